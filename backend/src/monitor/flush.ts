/**
 * Flush: every buffered rollup — open minutes included — is added into its row in
 * `rollups`, with the hour rollups, and the flushed batches' pending rows are deleted, in
 * one transaction. Late records and outcomes for minutes already flushed simply add to
 * those rows. A failed flush puts everything back for the next one.
 */
import type { MonitorContext } from './monitor-context.ts';
import { HOUR_MS, type Rollup } from './rollup.ts';
import { coarsen } from './rollup-merge.ts';
import { addRollupsToStore } from './rollup-store.ts';
import { writeUnits } from './unit-write.ts';
import { pushAll } from '../core/arrays.ts';

/** Writes what is buffered (the caller serialises flushes). */
export async function flushOnce(ctx: MonitorContext, wallNow: number): Promise<void> {
  const taken = ctx.unflushed.take();
  // The unit buckets of the same batches (taken at the same moment), written in the same transaction.
  const units = ctx.unflushed.buffer.units.take();
  const { rollups, batches } = taken;
  if (rollups.length === 0 && batches.length === 0 && units.blocks.length === 0 && units.exposures.length === 0) {
    await ctx.journal.heartbeat(wallNow);
    return;
  }
  await ctx.unflushed.write(taken, async () => {
    // One lock order for every process (PostgreSQL row locks): no deadlocks between replicas.
    const all = [...rollups, ...coarsenByLayout(rollups)].sort(storeOrder);
    try {
      await addRollupsToStore(ctx.store, all, wallNow, async (trx) => {
        await writeUnits(ctx.store, trx, units, wallNow);
        await ctx.journal.deleteBatches(trx, batches);
        await ctx.journal.heartbeat(wallNow, trx);
      });
    } catch (error) {
      ctx.unflushed.buffer.units.restore(units);
      throw error;
    }
    ctx.unflushed.buffer.units.committed(units.exposures);
  });
}

/** The order of the rollups table's unique key. */
function storeOrder(a: Rollup, b: Rollup): number {
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    c(a.model, b.model) ||
    a.bucketMs - b.bucketMs ||
    a.bucketStart - b.bucketStart ||
    c(a.version, b.version) ||
    c(a.arm, b.arm) ||
    c(a.layout?.id ?? '', b.layout?.id ?? '')
  );
}

/** Hour rollups of minute rollups, per histogram layout (layouts never mix). */
export function coarsenByLayout(rollups: readonly Rollup[]): Rollup[] {
  const byLayout = new Map<string, Rollup[]>();
  for (const r of rollups) {
    const k = r.layout?.id ?? '';
    let list = byLayout.get(k);
    if (!list) byLayout.set(k, (list = []));
    list.push(r);
  }
  const out: Rollup[] = [];
  for (const list of byLayout.values()) pushAll(out, coarsen(list, HOUR_MS));
  return out;
}
