/**
 * Replays the pending batches of dead processes (ingest-journal.ts) into this process's
 * rollups, from their durable raw rows: `kill -9` loses nothing that was acknowledged.
 */
import { applyOutcomeDeltas, applyPredictions, profilesFor } from './apply-records.ts';
import type { MonitorContext } from './monitor-context.ts';
import { outcomeUnitsOf } from './unit-store.ts';

/** Adopts and applies dead processes' batches; returns how many batches and records. */
export async function replayOrphans(ctx: MonitorContext, wallNow: number): Promise<{ batches: number; records: number }> {
  const adopted = await ctx.journal.adoptOrphans(wallNow);
  let records = 0;
  for (const b of adopted) {
    try {
      records += await replayBatch(ctx, b);
    } catch (error) {
      // One batch that cannot be replayed must not stop the others (nor the start): it stays
      // pending, unapplied, and is reported each time it is adopted.
      ctx.logger.error({ err: error, batch: b.batch, model: b.model, kind: b.kind }, 'monitor: a pending batch could not be replayed; left pending, the rest recovered');
      continue;
    }
    ctx.unflushed.markApplied(b.batch);
  }
  if (adopted.length > 0) ctx.logger.info({ batches: adopted.length, records }, 'monitor: replayed batches left pending by a stopped process');
  return { batches: adopted.length, records };
}

type AdoptedBatch = Awaited<ReturnType<MonitorContext['journal']['adoptOrphans']>>[number];

async function replayBatch(ctx: MonitorContext, b: AdoptedBatch): Promise<number> {
  if (b.kind === 'predictions') {
    const recs = await ctx.journal.predictionsOf(b);
    const profiles = await profilesFor(ctx.profiles, b.model, recs.map((r) => r.version));
    applyPredictions(ctx.unflushed.buffer, b.model, recs, profiles);
    return recs.length;
  }
  const deltas = await ctx.journal.outcomesOf(b);
  // Outcome rows do not store the unit: their predictions do (for the unit buckets).
  const units = await outcomeUnitsOf(ctx.store, b);
  deltas.forEach((d, i) => (d.unitId = units[i] ?? null));
  const profiles = await profilesFor(ctx.profiles, b.model, deltas.map((d) => d.version));
  applyOutcomeDeltas(ctx.unflushed.buffer, b.model, deltas, profiles);
  return deltas.length;
}
