/**
 * An evenly spaced sample (at most MAX_PROFILE_ROWS) of the feature rows of all predictions
 * in [from, to), of one version or of all. A retrained version's reference profile is made
 * from this — everything the model will be asked about — not from the labelled rows it
 * trained on, which only hold the items that were shown.
 */
import type { MonitorContext } from './monitor-context.ts';
import { countPredictions, predictionFeatures, predictionRowRanges, type PredictionWindow } from './raw-record-store.ts';

/** Most predictions read to build a profile from a traffic window (evenly thinned beyond). */
export const MAX_PROFILE_ROWS = 200_000;

export async function trafficSample(ctx: MonitorContext, model: string, q: PredictionWindow): Promise<{ rows: Record<string, unknown>[]; count: number }> {
  const ranges = await predictionRowRanges(ctx.store, model, q.from, q.to);
  let count = 0;
  for (const range of ranges) count += await countPredictions(ctx.store, model, range, q);
  const stride = Math.max(1, Math.ceil(count / MAX_PROFILE_ROWS));
  const rows: Record<string, unknown>[] = [];
  for (const range of ranges) {
    for (const row of await ctx.layouts.decode(model, await predictionFeatures(ctx.store, model, range, q, stride))) rows.push(row);
  }
  return { rows, count };
}
