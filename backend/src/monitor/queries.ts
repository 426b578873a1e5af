/**
 * Pure parts of the monitoring queries: time ranges and steps, which buckets come from hour
 * rollups and which from minute rollups, and drift over merged window histograms.
 *
 * Ranges and windows (KPI and drift):
 * - to defaults to now, from to to − 6 h. Times are whole minutes: from rounded down, to up
 *   (so the minute in progress is included).
 * - step is rounded up to whole minutes (rollups are per minute); default: the smallest of
 *   1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d, 7d giving ≤ 1,000 windows (KPIs),
 *   or the whole range as one window (drift). At most 11,000 windows.
 * - windows start at multiples of step (kpi.ts windowStarts), so a point stays put as the
 *   range moves; each window is counted whole, so the first and last may reach outside
 *   [from, to).
 * - an hour is read from the hour rollups when it lies inside one window; every other
 *   minute from the minute rollups. A week as one window reads 168 hour rows (+ edges).
 */
import { invalid } from '../core/errors.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { windowStarts } from './kpi.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import {
  DEFAULT_DATASET_DRIFT_SHARE,
  defaultMethod,
  driftFromHistograms,
  type DriftMethod,
  type DriftOptions,
  type FeatureDriftResult,
} from '../stats/drift/index.ts';

export const DEFAULT_SPAN_MS = 6 * HOUR_MS;
export const DEFAULT_POINTS = 1000;
export const MAX_POINTS = 11_000;
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 10080].map((m) => m * MINUTE_MS);

export interface RangeInput {
  from?: number | undefined;
  to?: number | undefined;
  step?: number | undefined;
}

export interface ResolvedRange {
  from: number;
  to: number;
  step: number;
  /** Window starts (multiples of step). */
  starts: number[];
  /** [starts[0], starts[last] + step): what is read. */
  readFrom: number;
  readTo: number;
}

const floorTo = (x: number, unit: number): number => Math.floor(x / unit) * unit;

/** Smallest nice step giving at most `points` windows over [from, to). */
export function chooseStep(from: number, to: number, points = DEFAULT_POINTS): number {
  for (const step of NICE_STEPS) if ((to - from) / step <= points) return step;
  return Math.ceil((to - from) / points / MINUTE_MS) * MINUTE_MS;
}

/**
 * Resolves from/to/step per the module comment. `wholeRange`: no step given means one
 * window over the whole range (drift). Bad values throw invalid_argument naming the
 * query parameter.
 */
export function resolveRange(input: RangeInput, now: number, options: { wholeRange?: boolean } = {}): ResolvedRange {
  const to = Math.ceil((input.to ?? now) / MINUTE_MS) * MINUTE_MS;
  const from = floorTo(input.from ?? to - DEFAULT_SPAN_MS, MINUTE_MS);
  if (!(from < to)) {
    throw invalid(`query.from must be at least a minute before query.to (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
  }
  let step: number;
  if (input.step !== undefined) {
    step = Math.max(MINUTE_MS, Math.ceil(input.step / MINUTE_MS) * MINUTE_MS);
  } else if (options.wholeRange) {
    // One window holding the whole range; windows start at multiples of step, so take the
    // range itself when from is a multiple of it, else cover [from, to) with one window of a
    // width that starts at from's minute.
    step = to - from;
  } else {
    step = chooseStep(from, to);
  }
  let starts: number[];
  if (options.wholeRange && input.step === undefined) {
    starts = [from];
  } else {
    const windows = Math.ceil((to - floorTo(from, step)) / step);
    if (windows > MAX_POINTS) {
      throw invalid(`query.step: ${step / 1000}s over this range gives ${windows} windows, more than ${MAX_POINTS}; use a larger step`);
    }
    starts = windowStarts(from, to, step, MAX_POINTS);
  }
  const readFrom = starts[0] as number;
  const readTo = (starts[starts.length - 1] as number) + step;
  return { from, to, step, starts, readFrom, readTo };
}

/** Index of the window holding t, or -1. */
export function windowIndex(range: ResolvedRange, t: number): number {
  const w = Math.floor((t - range.readFrom) / range.step);
  return w >= 0 && w < range.starts.length ? w : -1;
}

export interface ResolutionPlan {
  /** Sorted, disjoint half-open ranges of hour-bucket starts to read from hour rollups. */
  hours: [number, number][];
  /** Sorted, disjoint half-open ranges of minute-bucket starts to read from minute rollups. */
  minutes: [number, number][];
}

/**
 * Splits [from, to) (whole minutes) into the whole hours inside it that end by `hoursUntil`,
 * read from hour rollups, and minutes for the rest. Constant work whatever the range (issue 16:
 * a loop per hour made `from=0&to=1e15` stall the event loop for seconds).
 */
export function planResolution(from: number, to: number, hoursUntil = Number.POSITIVE_INFINITY): ResolutionPlan {
  const plan: ResolutionPlan = { hours: [], minutes: [] };
  addSpan(plan, from, to, hoursUntil);
  return plan;
}

function addSpan(plan: ResolutionPlan, from: number, to: number, hoursUntil: number): void {
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const hoursEnd = Math.floor(Math.min(to, hoursUntil) / HOUR_MS) * HOUR_MS;
  if (firstHour >= hoursEnd) {
    push(plan.minutes, from, to);
    return;
  }
  if (from < firstHour) push(plan.minutes, from, firstHour);
  push(plan.hours, firstHour, hoursEnd);
  if (hoursEnd < to) push(plan.minutes, hoursEnd, to);
}

function push(ranges: [number, number][], a: number, b: number): void {
  const last = ranges[ranges.length - 1];
  if (last && last[1] === a) last[1] = b;
  else ranges.push([a, b]);
}

/** Plan for windows: an hour is usable when it lies in one window. Work per window (at most MAX_POINTS). */
export function planForWindows(range: ResolvedRange): ResolutionPlan {
  const plan: ResolutionPlan = { hours: [], minutes: [] };
  for (const start of range.starts) addSpan(plan, start, start + range.step, Number.POSITIVE_INFINITY);
  return plan;
}

// ---------------------------------------------------------------- drift over windows

export type DriftSettings = Omit<DriftOptions, 'featureTypes' | 'bins' | 'maxCategories'>;

export interface WindowFeatureResult {
  feature: string;
  type: 'numeric' | 'categorical';
  method: DriftMethod;
  score: number;
  pValue?: number;
  adjustedPValue?: number;
  distance?: number;
  threshold: number;
  drifted: boolean;
  insufficientData?: boolean;
  n: { reference: number; current: number };
}

export interface WindowDrift {
  ts: number;
  from: string;
  to: string;
  /** Records counted in the window's histograms. */
  count: number;
  features: WindowFeatureResult[];
  /** Per feature: drifted by any of its methods (what driftShare counts). */
  driftedFeatures: string[];
  driftShare: number;
  datasetDrifted: boolean;
}

/** Non-missing (numeric) or all (categorical) counts of one histogram. */
function compared(profile: ReferenceProfile, i: number, counts: ArrayLike<number>): number {
  const f = profile.features[i]!;
  const end = f.type === 'numeric' ? counts.length - 1 : counts.length;
  let s = 0;
  for (let k = 0; k < end; k++) s += counts[k] as number;
  return s;
}

/**
 * Default method per feature, chosen once for the whole range (by the smaller of the
 * reference's and the range's sizes) so that all windows use the same method.
 */
export function methodsForRange(profile: ReferenceProfile, totals: readonly (ArrayLike<number> | undefined)[]): DriftMethod[] {
  return profile.features.map((f, i) => {
    const cur = totals[i];
    const n = cur ? compared(profile, i, cur) : 0;
    return defaultMethod(f.type, Math.min(compared(profile, i, f.counts), n));
  });
}

/**
 * Drift of one window's histograms (in the profile's layout order) against the profile, for
 * the selected features. Without explicit methods, each feature uses methodByFeature[i]
 * (p-value corrections then run per method, as driftFromHistograms does).
 */
export function driftOfWindow(
  profile: ReferenceProfile,
  counts: readonly ArrayLike<number>[],
  selected: readonly number[],
  settings: DriftSettings,
  methodByFeature: readonly DriftMethod[],
): { features: WindowFeatureResult[]; driftedFeatures: string[]; driftShare: number; datasetDrifted: boolean } {
  const groups = new Map<string, Record<string, number[]>>();
  for (const i of selected) {
    const group = settings.methods ? '*' : (methodByFeature[i] as string);
    let g = groups.get(group);
    if (!g) groups.set(group, (g = {}));
    g[profile.features[i]!.name] = Array.from(counts[i] as ArrayLike<number>);
  }
  const byFeature = new Map<string, FeatureDriftResult>();
  for (const [group, current] of groups) {
    const options: DriftSettings = group === '*' ? settings : { ...settings, methods: [group as DriftMethod] };
    for (const f of driftFromHistograms(profile, current, options).features) byFeature.set(f.feature, f);
  }
  const features: WindowFeatureResult[] = [];
  const driftedFeatures: string[] = [];
  let evaluated = 0;
  for (const i of selected) {
    const f = byFeature.get(profile.features[i]!.name);
    if (!f) continue;
    if (f.results.some((r) => !r.insufficientData)) evaluated++;
    if (f.drifted) driftedFeatures.push(f.feature);
    for (const r of f.results) {
      const out: WindowFeatureResult = { feature: f.feature, type: f.type, method: r.method, score: r.score, threshold: r.threshold, drifted: r.drifted, n: f.n };
      if (r.pValue !== undefined) out.pValue = r.pValue;
      if (r.adjustedPValue !== undefined) out.adjustedPValue = r.adjustedPValue;
      if (r.distance !== undefined) out.distance = r.distance;
      if (r.insufficientData) out.insufficientData = true;
      features.push(out);
    }
  }
  const share = evaluated === 0 ? 0 : driftedFeatures.length / evaluated;
  const threshold = settings.datasetDriftShare ?? DEFAULT_DATASET_DRIFT_SHARE;
  return { features, driftedFeatures, driftShare: share, datasetDrifted: evaluated > 0 && share >= threshold };
}
