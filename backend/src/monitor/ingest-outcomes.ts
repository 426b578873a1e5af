/**
 * Ingest of a batch of outcomes: each joins its prediction by id (ingest-store.ts says how
 * a retried or partial outcome counts once) and adds to the rollup of the prediction's
 * minute, version and arm. Outcomes of unknown predictions are rejected.
 */
import { applyOutcomeDeltas, profilesFor } from './apply-records.ts';
import { checkBatch, ingestResult, preRejectedPositions, type IngestOptions, type IngestResult } from './ingest-batch.ts';
import { validateOutcomes } from './ingest-records.ts';
import type { MonitorContext } from './monitor-context.ts';

export async function ingestOutcomes(ctx: MonitorContext, model: string, records: unknown[], opts: IngestOptions = {}): Promise<IngestResult> {
  const list = checkBatch(records);
  await ctx.modelInfo.get(model);
  const now = ctx.now();
  const { valid, rejected } = validateOutcomes(list, now, preRejectedPositions(opts));
  if (opts.preRejected) rejected.push(...opts.preRejected);
  let accepted = 0;
  if (valid.length > 0) {
    const { batch, deltas } = await ctx.writer.writeOutcomes({ model, instance: ctx.instance, records: valid, receivedAt: now });
    deltas.forEach((d, i) => {
      if (d === null) {
        const o = valid[i]!;
        rejected.push({
          index: o.index,
          error: `id: no prediction "${o.id}" for model "${model}"; an outcome joins its prediction by id, so send the prediction first`,
        });
      } else accepted++;
    });
    const versions = deltas.flatMap((d) => (d ? [d.version] : []));
    const profiles = await profilesFor(ctx.profiles, model, versions);
    applyOutcomeDeltas(ctx.unflushed.buffer, model, deltas, profiles);
    ctx.unflushed.markApplied(batch);
  }
  return ingestResult(ctx, model, 'outcome', accepted, rejected);
}
