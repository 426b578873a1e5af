/**
 * KPIs from rollups, and KPI time series per docs/api.md (`GET /models/{model}/kpis`).
 *
 * - ctr = clicks / impressions, cvr = conversions / clicks, error_rate = errors / requests:
 *   null when the denominator is 0 (never NaN). For these proportions a series also carries
 *   the counts [numerator, denominator] and a Wilson score interval per point.
 * - latency_p50/p90/p99: quantiles (ms) of the merged latency sketches (DDSketch, ±1%
 *   relative); null when no latency was recorded.
 * - requests: number of predictions.
 * - Online quality, from the labelled predictions' score histograms (rollup.ts `quality`,
 *   stats/binned-quality.ts states the binning error): accuracy, precision, recall, f1 at the
 *   decision threshold (score ≥ threshold → positive; the version's, quality-settings.ts,
 *   default 0.5; moved to the nearest
 *   multiple of 1/50), auc, log_loss (probability scores), calibration_error (expected
 *   calibration error over the score bins); label_coverage = labelled / requests;
 *   label_delay_mean = mean ms from a prediction to its first label. accuracy, precision,
 *   recall and label_coverage are proportions (counts and Wilson intervals). Null without the
 *   labels they need (e.g. auc needs both classes).
 * - A window without any rollup has null for every KPI (also `requests`), so Grafana shows
 *   a gap, not a fake zero; a window whose rollups hold only outcomes has requests 0.
 */
import { LatencySketch } from './latency-sketch.ts';
import type { Rollup } from './rollup.ts';
import { invalid } from '../core/errors.ts';
import { normalQuantile } from '../stats/distributions.ts';
import { QUALITY_DELAY_COUNT, QUALITY_DELAY_SUM, QUALITY_LENGTH } from './rollup.ts';
import {
  QUALITY_BINS,
  binnedAuc,
  binnedLogLoss,
  confusionAt,
  expectedCalibrationError,
  f1Of,
  type Confusion,
} from '../stats/binned-quality.ts';


export const KPI_NAMES = [
  'ctr',
  'cvr',
  'latency_p50',
  'latency_p90',
  'latency_p99',
  'error_rate',
  'requests',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'auc',
  'log_loss',
  'calibration_error',
  'label_coverage',
  'label_delay_mean',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export type ProportionKpi = 'ctr' | 'cvr' | 'error_rate' | 'accuracy' | 'precision' | 'recall' | 'label_coverage';
export const PROPORTION_KPIS: readonly ProportionKpi[] = ['ctr', 'cvr', 'error_rate', 'accuracy', 'precision', 'recall', 'label_coverage'];

/** KPIs computed from the label histograms: a query for them reads the rollups' `quality`. */
export const QUALITY_KPIS: readonly KpiName[] = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'log_loss', 'calibration_error', 'label_delay_mean'];

/** Decision threshold of the confusion-matrix KPIs when none is given. */
export const DEFAULT_DECISION_THRESHOLD = 0.5;

const QUANTILE_OF = { latency_p50: 0.5, latency_p90: 0.9, latency_p99: 0.99 } as const;

export function isKpiName(x: unknown): x is KpiName {
  return typeof x === 'string' && (KPI_NAMES as readonly string[]).includes(x);
}

export function isProportionKpi(k: KpiName): k is ProportionKpi {
  return (PROPORTION_KPIS as readonly string[]).includes(k);
}

/** The sums KPIs are computed from. */
export interface KpiTotals {
  /** Number of rollups added (0 = no data at all). */
  rollups: number;
  requests: number;
  errors: number;
  impressions: number;
  clicks: number;
  conversions: number;
  labelled: number;
  latency: LatencySketch;
  /** Sum of the rollups' label histograms and label delay (rollup.ts QUALITY_LENGTH layout). */
  quality: Float64Array;
}

export function emptyTotals(): KpiTotals {
  return {
    rollups: 0,
    requests: 0,
    errors: 0,
    impressions: 0,
    clicks: 0,
    conversions: 0,
    labelled: 0,
    latency: new LatencySketch(),
    quality: new Float64Array(QUALITY_LENGTH),
  };
}

/** Adds a rollup's counters (and, unless withLatency is false, its latency sketch). */
export function addToTotals(t: KpiTotals, r: Rollup, withLatency = true): KpiTotals {
  t.rollups++;
  t.requests += r.requests;
  t.errors += r.errors;
  t.impressions += r.impressions;
  t.clicks += r.clicks;
  t.conversions += r.conversions;
  t.labelled += r.labelled;
  if (withLatency) t.latency.merge(r.latency);
  const q = t.quality;
  const rq = r.quality;
  for (let i = 0; i < QUALITY_LENGTH; i++) (q[i] as number) += rq[i] as number;
  return t;
}

export function totalsOf(rollups: Iterable<Rollup>): KpiTotals {
  const t = emptyTotals();
  for (const r of rollups) addToTotals(t, r);
  return t;
}

/** The positives' and the negatives' score histograms of totals (views, not copies). */
export function labelHistograms(t: KpiTotals): { pos: Float64Array; neg: Float64Array } {
  return { pos: t.quality.subarray(0, QUALITY_BINS), neg: t.quality.subarray(QUALITY_BINS, 2 * QUALITY_BINS) };
}

function confusion(t: KpiTotals, threshold: number): Confusion {
  const { pos, neg } = labelHistograms(t);
  return confusionAt(pos, neg, threshold);
}

/** [numerator, denominator] of a proportion KPI. */
export function proportionCounts(t: KpiTotals, kpi: ProportionKpi, threshold = DEFAULT_DECISION_THRESHOLD): [number, number] {
  switch (kpi) {
    case 'ctr':
      return [t.clicks, t.impressions];
    case 'cvr':
      return [t.conversions, t.clicks];
    case 'error_rate':
      return [t.errors, t.requests];
    case 'label_coverage':
      return [t.labelled, t.requests];
    case 'accuracy': {
      const c = confusion(t, threshold);
      return [c.tp + c.tn, c.tp + c.fp + c.tn + c.fn];
    }
    case 'precision': {
      const c = confusion(t, threshold);
      return [c.tp, c.tp + c.fp];
    }
    case 'recall': {
      const c = confusion(t, threshold);
      return [c.tp, c.tp + c.fn];
    }
  }
}

/** Value of one KPI; null where undefined (no data, zero denominator). */
export function kpiValue(t: KpiTotals, kpi: KpiName, threshold = DEFAULT_DECISION_THRESHOLD): number | null {
  if (t.rollups === 0) return null;
  if (kpi === 'requests') return t.requests;
  if (isProportionKpi(kpi)) {
    const [num, den] = proportionCounts(t, kpi, threshold);
    return den > 0 ? num / den : null;
  }
  const { pos, neg } = labelHistograms(t);
  switch (kpi) {
    case 'f1':
      return f1Of(confusion(t, threshold));
    case 'auc':
      return binnedAuc(pos, neg);
    case 'log_loss':
      return binnedLogLoss(pos, neg);
    case 'calibration_error':
      return expectedCalibrationError(pos, neg);
    case 'label_delay_mean': {
      const n = t.quality[QUALITY_DELAY_COUNT] as number;
      return n > 0 ? (t.quality[QUALITY_DELAY_SUM] as number) / n : null;
    }
    default:
      return t.latency.quantile(QUANTILE_OF[kpi]);
  }
}

export function kpiValues(t: KpiTotals, threshold = DEFAULT_DECISION_THRESHOLD): Record<KpiName, number | null> {
  const out = {} as Record<KpiName, number | null>;
  for (const k of KPI_NAMES) out[k] = kpiValue(t, k, threshold);
  return out;
}

/**
 * Wilson score interval for successes out of trials at the given two-sided confidence, as
 * statsmodels' proportion_confint(method='wilson'). Null when trials is 0 or the counts are
 * not a proportion (successes < 0 or > trials, e.g. more conversions than clicks).
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): [number, number] | null {
  if (!(confidence > 0 && confidence < 1)) throw invalid(`confidence must be in (0, 1), got ${confidence}`);
  if (!(trials > 0) || !(successes >= 0) || successes > trials || !Number.isFinite(trials)) return null;
  const z = confidence === 0.95 ? Z_95 : normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = successes / trials;
  const denom = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** Φ⁻¹(0.975), as scipy.stats.norm.isf(0.025). */
const Z_95 = 1.959963984540054;

export interface KpiSeries {
  kpi: KpiName;
  version: string;
  arm: string;
  /** [window start (epoch ms), value or null], one per window. */
  points: [number, number | null][];
  /** Proportion KPIs only: [numerator, denominator] per point ([0, 0] where no data). */
  counts?: [number, number][];
  /** Proportion KPIs only: Wilson interval per point, null where undefined. */
  ci?: ([number, number] | null)[];
}

export interface BucketizeOptions {
  /** KPIs to return, in this order (default: all of KPI_NAMES). */
  kpis?: readonly KpiName[];
  /** Only rollups of this version / arm. */
  version?: string;
  arm?: string;
  /** Confidence of the Wilson intervals (default 0.95). */
  confidence?: number;
  /** Refuse requests for more windows than this (default 11000, as Prometheus). */
  maxPoints?: number;
  /**
   * Decision threshold of accuracy, precision, recall, f1: one for all series, or each series'
   * by its version (quality-settings.ts); default DEFAULT_DECISION_THRESHOLD.
   */
  threshold?: number | ((version: string) => number);
}

/** Window starts for [fromMs, toMs) in steps of stepMs, aligned to multiples of stepMs. */
export function windowStarts(fromMs: number, toMs: number, stepMs: number, maxPoints = 11_000): number[] {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw invalid('from and to must be epoch milliseconds');
  if (!(fromMs < toMs)) throw invalid(`from (${fromMs}) must be before to (${toMs})`);
  if (!(Number.isSafeInteger(stepMs) && stepMs > 0)) throw invalid(`step must be a positive whole number of ms, got ${stepMs}`);
  const first = Math.floor(fromMs / stepMs) * stepMs;
  const n = Math.ceil((toMs - first) / stepMs);
  if (n > maxPoints) {
    throw invalid(`from/to/step give ${n} points, more than ${maxPoints}: use a larger step or a shorter range`);
  }
  return Array.from({ length: n }, (_, i) => first + i * stepMs);
}

/**
 * KPI series per (version, arm) over windows of stepMs covering [fromMs, toMs).
 *
 * Windows start at multiples of stepMs (so points stay put as the range moves); the first
 * one holds fromMs. A rollup counts in the window holding its bucketStart: rollups wider
 * than the step (e.g. hour rollups at a 1-minute step) fill one window and leave the rest
 * null. Series are sorted by version, then arm, then the requested KPI order; with no
 * rollups in range the list is empty.
 */
export function bucketize(
  rollups: Iterable<Rollup>,
  fromMs: number,
  toMs: number,
  stepMs: number,
  options: BucketizeOptions = {},
): { series: KpiSeries[] } {
  const kpis = options.kpis ?? KPI_NAMES;
  for (const k of kpis) if (!isKpiName(k)) throw invalid(`kpi: unknown KPI ${JSON.stringify(k)}, expected one of ${KPI_NAMES.join(', ')}`);
  const confidence = options.confidence ?? 0.95;
  const thresholdOf = options.threshold ?? DEFAULT_DECISION_THRESHOLD;
  const starts = windowStarts(fromMs, toMs, stepMs, options.maxPoints);
  const first = starts[0] as number;
  const n = starts.length;
  const withLatency = kpis.some((k) => k in QUANTILE_OF);

  const groups = new Map<string, { version: string; arm: string; windows: (KpiTotals | undefined)[] }>();
  for (const r of rollups) {
    if (options.version !== undefined && r.version !== options.version) continue;
    if (options.arm !== undefined && r.arm !== options.arm) continue;
    const w = Math.floor((r.bucketStart - first) / stepMs);
    if (w < 0 || w >= n) continue;
    const gk = `${r.version}\u0000${r.arm}`;
    let g = groups.get(gk);
    if (g === undefined) {
      g = { version: r.version, arm: r.arm, windows: new Array<KpiTotals | undefined>(n).fill(undefined) };
      groups.set(gk, g);
    }
    const t = (g.windows[w] ??= emptyTotals());
    addToTotals(t, r, withLatency);
  }

  const ordered = [...groups.values()].sort((a, b) => cmp(a.version, b.version) || cmp(a.arm, b.arm));
  const series: KpiSeries[] = [];
  for (const g of ordered) {
    const threshold = typeof thresholdOf === 'number' ? thresholdOf : thresholdOf(g.version);
    for (const kpi of kpis) {
      const points: [number, number | null][] = g.windows.map((t, i) => [starts[i] as number, t ? kpiValue(t, kpi, threshold) : null]);
      const s: KpiSeries = { kpi, version: g.version, arm: g.arm, points };
      if (isProportionKpi(kpi)) {
        s.counts = g.windows.map((t) => (t ? proportionCounts(t, kpi, threshold) : [0, 0]));
        s.ci = s.counts.map(([num, den]) => wilsonInterval(num, den, confidence));
      }
      series.push(s);
    }
  }
  return { series };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
