/**
 * KPIs from rollups, and KPI time series per docs/api.md (`GET /models/{model}/kpis`).
 *
 * - ctr = clicks / impressions, cvr = conversions / clicks, error_rate = errors / requests:
 *   null when the denominator is 0 (never NaN). For these proportions a series also carries
 *   the counts [numerator, denominator] and a Wilson score interval per point.
 * - latency_p50/p90/p99: quantiles (ms) of the merged latency sketches (DDSketch, ±1%
 *   relative); null when no latency was recorded.
 * - requests: number of predictions.
 * - A window without any rollup has null for every KPI (also `requests`), so Grafana shows
 *   a gap, not a fake zero; a window whose rollups hold only outcomes has requests 0.
 */
import { LatencySketch } from './latency-sketch.ts';
import type { Rollup } from './rollup.ts';
import { invalid } from '../core/errors.ts';
import { normalQuantile } from '../stats/distributions.ts';


export const KPI_NAMES = ['ctr', 'cvr', 'latency_p50', 'latency_p90', 'latency_p99', 'error_rate', 'requests'] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export type ProportionKpi = 'ctr' | 'cvr' | 'error_rate';
export const PROPORTION_KPIS: readonly ProportionKpi[] = ['ctr', 'cvr', 'error_rate'];

const QUANTILE_OF = { latency_p50: 0.5, latency_p90: 0.9, latency_p99: 0.99 } as const;

export function isKpiName(x: unknown): x is KpiName {
  return typeof x === 'string' && (KPI_NAMES as readonly string[]).includes(x);
}

export function isProportionKpi(k: KpiName): k is ProportionKpi {
  return k === 'ctr' || k === 'cvr' || k === 'error_rate';
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
  latency: LatencySketch;
}

export function emptyTotals(): KpiTotals {
  return { rollups: 0, requests: 0, errors: 0, impressions: 0, clicks: 0, conversions: 0, latency: new LatencySketch() };
}

/** Adds a rollup's counters (and, unless withLatency is false, its latency sketch). */
export function addToTotals(t: KpiTotals, r: Rollup, withLatency = true): KpiTotals {
  t.rollups++;
  t.requests += r.requests;
  t.errors += r.errors;
  t.impressions += r.impressions;
  t.clicks += r.clicks;
  t.conversions += r.conversions;
  if (withLatency) t.latency.merge(r.latency);
  return t;
}

export function totalsOf(rollups: Iterable<Rollup>): KpiTotals {
  const t = emptyTotals();
  for (const r of rollups) addToTotals(t, r);
  return t;
}

/** [numerator, denominator] of a proportion KPI. */
export function proportionCounts(t: KpiTotals, kpi: ProportionKpi): [number, number] {
  switch (kpi) {
    case 'ctr':
      return [t.clicks, t.impressions];
    case 'cvr':
      return [t.conversions, t.clicks];
    case 'error_rate':
      return [t.errors, t.requests];
  }
}

/** Value of one KPI; null where undefined (no data, zero denominator). */
export function kpiValue(t: KpiTotals, kpi: KpiName): number | null {
  if (t.rollups === 0) return null;
  if (kpi === 'requests') return t.requests;
  if (isProportionKpi(kpi)) {
    const [num, den] = proportionCounts(t, kpi);
    return den > 0 ? num / den : null;
  }
  return t.latency.quantile(QUANTILE_OF[kpi]);
}

export function kpiValues(t: KpiTotals): Record<KpiName, number | null> {
  const out = {} as Record<KpiName, number | null>;
  for (const k of KPI_NAMES) out[k] = kpiValue(t, k);
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
    for (const kpi of kpis) {
      const points: [number, number | null][] = g.windows.map((t, i) => [starts[i] as number, t ? kpiValue(t, kpi) : null]);
      const s: KpiSeries = { kpi, version: g.version, arm: g.arm, points };
      if (isProportionKpi(kpi)) {
        s.counts = g.windows.map((t) => (t ? proportionCounts(t, kpi) : [0, 0]));
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
