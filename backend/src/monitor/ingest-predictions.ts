/**
 * Ingest of a batch of predictions: validated record by record (ingest-records.ts), written
 * raw in one transaction with a pending-batch row (ingest-store*.ts), and only then added
 * to this process's in-memory minute rollups. The reply is sent after the commit, so
 * accepted records are durable; rollups are derived data. Outcomes parked for the new
 * predictions are joined before the reply (outcome-parking.ts).
 *
 * A prediction's features are binned over its version's reference profile, else the
 * model's champion's, else none (no feature histograms; KPIs still count). Any version
 * string is accepted, but the (version, arm) key it is counted under is bounded per model
 * (cardinality.ts): decided before the raw row is written, so everything derived agrees.
 * Served predictions keep theirs: the router took them from the registry and experiments.
 */
import { applyPredictions, profilesFor } from './apply-records.ts';
import type { KeyDecision } from './cardinality.ts';
import { checkBatch, ingestResult, preRejectedPositions, type IngestOptions, type IngestResult } from './ingest-batch.ts';
import { validatePredictions, type TypeRejection } from './ingest-records.ts';
import type { MonitorContext } from './monitor-context.ts';
import { joinParked } from './outcome-parking.ts';
import { pushAll } from '../core/arrays.ts';
import { addTypeRejection } from './rollup.ts';

export interface PredictionIngestOptions extends IngestOptions {
  /** Who sent the batch (e.g. 'serving'); not stored. */
  source?: string;
}

export async function ingestPredictions(ctx: MonitorContext, model: string, records: unknown[], opts: PredictionIngestOptions = {}): Promise<IngestResult> {
  const list = checkBatch(records);
  const info = await ctx.modelInfo.get(model);
  const now = ctx.now();
  const { valid, rejected, typeRejections } = validatePredictions(list, info.features, { now, maxAgeMs: ctx.ingestMaxAgeMs }, preRejectedPositions(opts));
  if (opts.preRejected) pushAll(rejected, opts.preRejected);
  let accepted = 0;
  let bucketed: number[] = [];
  if (valid.length > 0) {
    const keys = opts.source === 'serving' ? undefined : await ctx.keys.assign(model, valid, now);
    const profiles = await profilesFor(ctx.profiles, model, valid.map((r) => r.version));
    await ctx.layouts.ensure(model, info.encoder);
    const { batch, duplicates, nothingParked } = await ctx.writer.writePredictions({ model, instance: ctx.instance, records: valid, receivedAt: now, encoder: info.encoder });
    for (const i of duplicates) {
      const r = valid[i]!;
      rejected.push({ index: r.index, error: `id: prediction "${r.id}" was already ingested for model "${model}" (ids are unique per model)` });
    }
    const dup = new Set(duplicates);
    const perVersion = applyPredictions(ctx.unflushed.buffer, model, valid, profiles, dup);
    ctx.unflushed.markApplied(batch);
    accepted = valid.length - duplicates.length;
    if (keys) bucketed = countUnregistered(ctx, model, keys, new Set(duplicates.map((i) => valid[i]!.index)));
    for (const [version, n] of perVersion) ctx.counters.predictions.inc({ model, version }, n);
    // Outcomes that arrived first wait parked for these predictions (outcome-parking.ts).
    if (nothingParked !== true) {
      const ids: string[] = [];
      for (let i = 0; i < valid.length; i++) if (!dup.has(i)) ids.push(valid[i]!.id);
      await joinParked(ctx, model, ids, now);
    }
  }
  if (typeRejections.length > 0) await countTypeRejections(ctx, model, typeRejections, now, opts.source === 'serving');
  return ingestResult(ctx, model, 'prediction', accepted, rejected, [], bucketed);
}

/**
 * Counts the records rejected for a feature's type in the rollups of their (version, arm,
 * minute), under the same key bounds as accepted records (cardinality.ts): the type-error
 * rate of monitor/data-quality.ts. Not journalled (the records are not stored), so a process
 * that dies before its flush loses these counts.
 */
async function countTypeRejections(ctx: MonitorContext, model: string, list: TypeRejection[], now: number, served: boolean): Promise<void> {
  const keyed = list.map((t) => ({ index: t.index, version: t.version, arm: t.arm }));
  if (!served) await ctx.keys.assign(model, keyed, now);
  const profiles = await profilesFor(ctx.profiles, model, keyed.map((r) => r.version));
  list.forEach((t, i) => {
    const { version, arm } = keyed[i]!;
    const profile = profiles.get(version);
    if (profile) addTypeRejection(ctx.unflushed.buffer.rollupFor(model, version, arm, t.ts, profile), profile, t.feature);
  });
}

/** Counts the accepted records with unregistered keys; returns the bucketed ones' positions. */
function countUnregistered(ctx: MonitorContext, model: string, keys: KeyDecision, duplicates: ReadonlySet<number>): number[] {
  const kept = keys.kept.filter((i) => !duplicates.has(i)).length;
  const bucketed = keys.bucketed.filter((i) => !duplicates.has(i));
  if (kept > 0) ctx.counters.unregistered.inc({ model, counted_as: 'sent' }, kept);
  if (bucketed.length > 0) ctx.counters.unregistered.inc({ model, counted_as: 'other' }, bucketed.length);
  return bucketed;
}
