/**
 * Ingest of a batch of outcomes: each joins its prediction by id (ingest-store.ts says how
 * a retried or partial outcome counts once) and adds to the rollup of the prediction's
 * minute, version and arm. An outcome whose prediction is not stored yet is parked, durable,
 * and reported as pending; it joins when the prediction lands (outcome-parking.ts).
 */
import { applyJoined, parkOutcomes } from './outcome-parking.ts';
import { checkBatch, ingestResult, preRejectedPositions, type IngestOptions, type IngestResult } from './ingest-batch.ts';
import { validateOutcomes, type OutcomeRecord } from './ingest-records.ts';
import type { MonitorContext } from './monitor-context.ts';
import { pushAll } from '../core/arrays.ts';

export async function ingestOutcomes(ctx: MonitorContext, model: string, records: unknown[], opts: IngestOptions = {}): Promise<IngestResult> {
  const list = checkBatch(records);
  await ctx.modelInfo.get(model);
  const now = ctx.now();
  const { valid, rejected } = validateOutcomes(list, now, preRejectedPositions(opts));
  if (opts.preRejected) pushAll(rejected, opts.preRejected);
  let accepted = 0;
  const pending: number[] = [];
  if (valid.length > 0) {
    const { batch, deltas } = await ctx.writer.writeOutcomes({ model, instance: ctx.instance, records: valid, receivedAt: now });
    const missing: OutcomeRecord[] = [];
    deltas.forEach((d, i) => {
      if (d === null) missing.push(valid[i]!);
    });
    accepted = await applyJoined(ctx, model, batch, deltas);
    if (missing.length > 0) {
      const { parked, joined, lost } = await parkOutcomes(ctx, model, missing, now);
      accepted += joined;
      for (const o of parked) pending.push(o.index);
      for (const o of lost) rejected.push({ index: o.index, error: `id: no prediction "${o.id}" for model "${model}"` });
    }
  }
  return ingestResult(ctx, model, 'outcome', accepted, rejected, pending);
}
