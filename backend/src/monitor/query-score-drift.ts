/**
 * Prediction (score) drift over a range (`GET …/score-drift`, docs/concepts/online-quality.md):
 * per (version, arm), the score histogram of [from, to) against that of a reference range —
 * by default the 24 hours before `from`, as the exported gauges (quality-snapshot.ts).
 */
import { invalid } from '../core/errors.ts';
import type { MonitorContext } from './monitor-context.ts';
import { resolveRange } from './queries.ts';
import { qualityPerKey, sortedGroups } from './quality-totals.ts';
import { QUALITY_REFERENCE_MS } from './quality-snapshot.ts';
import { MINUTE_MS, SCORE_BINS, seriesKey } from './rollup.ts';
import { scoreDrift, type ScoreDrift } from './score-drift.ts';

export interface ScoreDriftQuery {
  from?: number | undefined;
  to?: number | undefined;
  referenceFrom?: number | undefined;
  referenceTo?: number | undefined;
  versions?: string[] | undefined;
  arms?: string[] | undefined;
}

export interface ScoreDriftSeries {
  version: string;
  arm: string;
  /** Null when either range has no scored predictions of this key. */
  drift: ScoreDrift | null;
  /** Scored predictions per score bin (SCORE_BINS equal bins on [0, 1]) in each range. */
  histogram: { reference: number[]; current: number[] };
}

export interface ScoreDriftResult {
  from: number;
  to: number;
  reference: { from: number; to: number };
  series: ScoreDriftSeries[];
}

export async function queryScoreDrift(ctx: MonitorContext, model: string, q: ScoreDriftQuery = {}): Promise<ScoreDriftResult> {
  await ctx.modelInfo.get(model);
  const range = resolveRange({ from: q.from, to: q.to }, ctx.now(), { wholeRange: true });
  const refTo = Math.ceil((q.referenceTo ?? range.from) / MINUTE_MS) * MINUTE_MS;
  const refFrom = Math.floor((q.referenceFrom ?? refTo - QUALITY_REFERENCE_MS) / MINUTE_MS) * MINUTE_MS;
  if (!(refFrom < refTo)) throw invalid('query.referenceFrom must be at least a minute before query.referenceTo');
  const selection = { versions: q.versions, arms: q.arms };
  const [current, reference] = await Promise.all([
    qualityPerKey(ctx, model, range.from, range.to, selection),
    qualityPerKey(ctx, model, refFrom, refTo, selection),
  ]);
  const empty = new Float64Array(SCORE_BINS + 1);
  const series = sortedGroups(current).map((g) => {
    const ref = reference.get(seriesKey(g.version, g.arm))?.scores ?? empty;
    return {
      version: g.version,
      arm: g.arm,
      drift: scoreDrift(ref, g.scores),
      histogram: { reference: Array.from(ref.subarray(0, SCORE_BINS)), current: Array.from(g.scores.subarray(0, SCORE_BINS)) },
    };
  });
  return { from: range.from, to: range.to, reference: { from: refFrom, to: refTo }, series };
}
