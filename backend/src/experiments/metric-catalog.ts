/**
 * Experiment metrics and how each is derived from the monitoring rollups of one arm.
 *
 * Every metric is a ratio Σnumerator / Σdenominator (`ratio`: clicks / impressions, errors /
 * requests, Σlatency / latencies…). When predictions carry the randomization unit, the
 * results analyse each metric by unit with the delta method (unit-analysis.ts). Without unit
 * ids (legacy producers) proportions fall back to per-event Bernoulli rates with the event as
 * the unit of analysis — which understates the variance, badly when units see many events.
 *
 * Means need Σx and Σx² per arm. The score has both exactly. Latency has an exact Σx but no
 * Σx² column; its variance is taken from the merged latency sketch (DDSketch, every value
 * within 1 %), so the latency test uses the exact mean and an approximate variance (see
 * `latencySumSquares`). Revenue is not in the rollups, so there is no revenue metric.
 */
import type { LatencySketch } from '../monitor/latency-sketch.ts';
import { zeroCounters, type RollupCounters } from '../core/rollup-counters.ts';
import type { Direction } from '../stats/abtest/bayesian.ts';
import type { Difference } from '../stats/abtest/effect.ts';
import type { ArmSummary, MetricKind } from '../stats/abtest/summary.ts';
import type { UnitColumn } from '../monitor/query-units.ts';

/** Counters of one arm over the analysis window (sums over periods add). */
export interface ArmCounts extends RollupCounters {
  /** Approximate Σ latency² (ms²), from the sketch; see latencySumSquares. */
  latencySumSq: number;
}

export const emptyCounts = (): ArmCounts => ({ ...zeroCounters(), latencySumSq: 0 });

export function addCounts(into: ArmCounts, other: ArmCounts): ArmCounts {
  for (const k of Object.keys(into) as (keyof ArmCounts)[]) into[k] += other[k];
  return into;
}

export interface MetricSummary extends ArmSummary {
  /** Set when successes exceeded the trials (pre-aggregated outcomes) and were capped at n. */
  capped?: number;
}

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  /** Which way is better. */
  direction: Direction;
  /** Effect scale used unless a guardrail says otherwise. */
  difference: Difference;
  description: string;
  /** What one unit of the metric is (the denominator). */
  unit: string;
  summarize(c: ArmCounts): MetricSummary;
  /** The per-unit numerator and denominator (the unit-level analysis). */
  ratio: readonly [UnitColumn, UnitColumn];
}

const proportion = (
  name: string,
  direction: Direction,
  description: string,
  unit: string,
  pick: (c: ArmCounts) => [successes: number, trials: number],
  ratio: readonly [UnitColumn, UnitColumn],
  difference: Difference = 'relative',
): MetricDefinition => ({
  name,
  ratio,
  kind: 'proportion',
  direction,
  difference,
  description,
  unit,
  summarize(c) {
    const [successes, trials] = pick(c);
    const n = Math.max(0, Math.round(trials));
    const s = Math.max(0, Math.round(successes));
    // Outcomes may be pre-aggregated counts, so clicks can exceed impressions; a rate
    // above 1 is not a proportion: cap and say so.
    return s > n ? { n, sum: n, capped: s - n } : { n, sum: s };
  },
});

const DEFINITIONS: MetricDefinition[] = [
  proportion('ctr', 'higher', 'Clicks per impression', 'impression', (c) => [c.clicks, c.impressions], ['clicks', 'impressions']),
  proportion('cvr', 'higher', 'Conversions per click', 'click', (c) => [c.conversions, c.clicks], ['conversions', 'clicks']),
  proportion('conversions_per_impression', 'higher', 'Conversions per impression', 'impression', (c) => [c.conversions, c.impressions], ['conversions', 'impressions']),
  proportion('clicks_per_request', 'higher', 'Clicks per prediction served', 'request', (c) => [c.clicks, c.requests], ['clicks', 'requests']),
  proportion('impression_rate', 'higher', 'Share of predictions that were shown (impressions per request)', 'request', (c) => [c.impressions, c.requests], ['impressions', 'requests']),
  // Error rates are often exactly 0 in the control, where a relative change is undefined.
  proportion('error_rate', 'lower', 'Failed requests per request', 'request', (c) => [c.errors, c.requests], ['errors', 'requests'], 'absolute'),
  proportion('positive_rate', 'higher', 'Positive labels per labelled prediction', 'labelled prediction', (c) => [c.positives, c.labelled], ['positives', 'labelled']),
  proportion('label_rate', 'higher', 'Share of predictions that received a label', 'request', (c) => [c.labelled, c.requests], ['labelled', 'requests']),
  {
    name: 'latency',
    kind: 'mean',
    direction: 'lower',
    difference: 'relative',
    description: 'Mean latency (ms) per request; variance from the latency sketch (approximate, values within 1 %)',
    unit: 'request',
    summarize: (c) => ({ n: c.latencyCount, sum: c.latencySum, sumSquares: c.latencySumSq }),
    ratio: ['latencySum', 'latencyCount'],
  },
  {
    name: 'score',
    kind: 'mean',
    direction: 'higher',
    difference: 'relative',
    description: 'Mean model score per prediction (informational: which way is better depends on the model)',
    unit: 'prediction',
    summarize: (c) => ({ n: c.scoreCount, sum: c.scoreSum, sumSquares: c.scoreSumSq }),
    ratio: ['scoreSum', 'scoreCount'],
  },
];

export const METRICS: Record<string, MetricDefinition> = Object.fromEntries(DEFINITIONS.map((m) => [m.name, m]));

export const METRIC_NAMES = Object.keys(METRICS) as [string, ...string[]];

/** Reported next to the primary and guardrails when an experiment names no metrics. */
export const DEFAULT_SECONDARY_METRICS = ['ctr', 'cvr', 'error_rate', 'latency'] as const;

export function metricDefinition(name: string): MetricDefinition {
  const m = METRICS[name];
  if (!m) throw new Error(`unknown metric ${name}`);
  return m;
}

/**
 * Σx² of the latencies from the sketch, made consistent with the exact Σx and n:
 * Σx²/n − (Σx/n)² is the sketch's variance (each bin at its representative value, within
 * 1 % of the true values), so the mean stays exact and only the spread is approximate.
 * Never below (Σx)²/n, so the variance is never negative.
 */
export function latencySumSquares(sketch: LatencySketch | undefined, n: number, sum: number): number {
  if (!sketch || n <= 0) return 0;
  const s = sketch.sketch;
  const count = s.count;
  if (!(count > 0)) return (sum * sum) / n;
  let m1 = 0;
  let m2 = 0;
  const { bins, offset } = s.store;
  for (let i = 0; i < bins.length; i++) {
    const c = bins[i] ?? 0;
    if (c === 0) continue;
    const v = s.mapping.value(i + offset);
    m1 += c * v;
    m2 += c * v * v;
  }
  const mean = m1 / count;
  const variance = Math.max(0, m2 / count - mean * mean);
  const result = (sum * sum) / n + variance * n;
  return Number.isFinite(result) ? result : (sum * sum) / n;
}
