/**
 * A rollup: everything monitoring needs about one (model, version, arm, time bucket), as
 * sums that merge by addition. KPI, drift and A/B queries over any range merge rollups
 * instead of reading raw records (docs/dev/architecture.md).
 *
 * Counting rules (what a record adds):
 * - prediction: requests +1; errors +1 when `error` is true or a non-empty string;
 *   a finite score adds to scoreCount/scoreSum/scoreSumSq and its score-histogram bin,
 *   anything else counts in the score histogram's missing bin; a finite latency ≥ 0 adds to
 *   latencyCount/latencySum and the latency sketch; with a profile, each profile feature
 *   adds 1 to the bin `binIndex(feature, value)` of its histogram (absent or invalid for the
 *   feature → missing bin, and
 *   counted in that feature's `invalid` stat as well). A numeric profile feature with a finite
 *   value adds to the feature's count, Σx and Σx² (`featureStats`, FEATURE_STATS_WIDTH slots
 *   per layout feature: mean-shift checks, monitor/data-quality.ts). A record the ingest
 *   rejected because a declared feature had the wrong type adds 1 to that feature's `rejected`
 *   stat only (addTypeRejection): it is in no other counter.
 * - outcome: impression/click/conversion add 1 when true, or their value when a finite
 *   number ≥ 0 (pre-aggregated counts); label true/1 is a positive, false/0 a negative,
 *   both count as labelled; anything else adds nothing. Outcomes are added to the rollup
 *   of their prediction's bucket, version and arm — the caller resolves which. A label on a
 *   prediction with a finite score also counts in the label histograms (`quality`: the
 *   positives' and the negatives' scores in QUALITY_BINS bins on [0, 1], scores outside
 *   clamped into the end bins; a label without a score counts in labelled only), and its first
 *   label adds its delay (outcome ts − prediction ts, ms, ≥ 0) to the label-delay sum
 *   (stats/binned-quality.ts computes AUC, log loss, the confusion matrix from them).
 *
 * Counts, histograms and sketch bins add up exactly across processes; the float sums
 * (scoreSum, scoreSumSq, latencySum) are equal up to summation-order rounding.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import { zeroCounters, type RollupCounters } from '../core/rollup-counters.ts';
import { binIndex } from '../stats/profile.ts';
import { QUALITY_BINS, equalBin } from '../stats/binned-quality.ts';
import { LatencySketch } from './latency-sketch.ts';
import { compileProfile, finiteSlot, sameLayout, type CompiledProfile, type HistogramLayout } from './rollup-layout.ts';
import { DomainError, invalid } from '../core/errors.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Arm of records that name none. */
export const DEFAULT_ARM = 'default';
/**
 * Arms ModelWatch tags itself: the default of records without one, and the router's for
 * traffic outside experiments (serving/router.ts). Experiments may not name an arm so: its
 * units would mix with the plain traffic's (SRM and the unit counts, monitor/unit-exposures.ts).
 */
export const CHAMPION_ARM = 'champion';
export const CANARY_ARM = 'canary';
/** Predictions a shadow scored beside the champion and nobody was served (serving/shadow-scorer.ts). */
export const SHADOW_ARM = 'shadow';
export const BUILT_IN_ARMS: readonly string[] = [DEFAULT_ARM, CHAMPION_ARM, CANARY_ARM, SHADOW_ARM];
/** The key of one (version, arm) series in maps and sets. */
export const seriesKey = (version: string, arm: string): string => `${version}\u0000${arm}`;
/** Version/arm of a rollup merged over several versions or arms. */
export const ANY = '*';

/** Score histogram: 10 equal bins on [0, 1] (scores outside are clamped in) + missing. */
export const SCORE_BINS = 10;
export const SCORE_EDGES: readonly number[] = Array.from({ length: SCORE_BINS + 1 }, (_, i) => i / SCORE_BINS);
export const SCORE_MISSING = SCORE_BINS;

/**
 * Layout of a rollup's `quality` counts: positives per score bin, then negatives per score
 * bin, then Σ label delay (ms) and the number of delays in it.
 */
export const QUALITY_LENGTH = 2 * QUALITY_BINS + 2;
export const QUALITY_DELAY_SUM = 2 * QUALITY_BINS;
export const QUALITY_DELAY_COUNT = 2 * QUALITY_BINS + 1;

/**
 * Per layout feature, FEATURE_STATS_WIDTH numbers in `featureStats`: the count of finite
 * numeric values, their sum and sum of squares, the values invalid for the feature that were
 * counted as missing, and the records rejected at ingest for this feature's type.
 */
export const FEATURE_STATS_WIDTH = 5;
export const FS_COUNT = 0;
export const FS_SUM = 1;
export const FS_SUM_SQ = 2;
export const FS_INVALID = 3;
export const FS_REJECTED = 4;

export interface RollupKey {
  model: string;
  version: string;
  arm: string;
  /** Epoch ms of the bucket's start, a multiple of bucketMs. */
  bucketStart: number;
  bucketMs: number;
}

export interface Rollup extends RollupKey, RollupCounters {
  latency: LatencySketch;
  /** Length SCORE_BINS + 1; the last bin counts records without a finite score. */
  scoreHist: Float64Array;
  /** Label histograms and label delay, QUALITY_LENGTH counts laid out as above. */
  quality: Float64Array;
  /** Layout of `features`; null when the rollup has no feature histograms. */
  layout: HistogramLayout | null;
  /** One counts array per layout feature, in layout order (empty when layout is null). */
  features: Float64Array[];
  /** FEATURE_STATS_WIDTH numbers per layout feature, laid out as above (empty when layout is null). */
  featureStats: Float64Array;
}

/** A prediction as the monitor needs it (the ingest layer has parsed and validated it). */
export interface PredictionInput {
  /** Epoch ms. */
  ts: number;
  version: string;
  arm?: string | null | undefined;
  features?: Readonly<Record<string, unknown>> | null | undefined;
  score?: number | null | undefined;
  latencyMs?: number | null | undefined;
  /** true, or an error message, when the request failed. */
  error?: boolean | string | null | undefined;
}

export interface OutcomeInput {
  impression?: boolean | number | null | undefined;
  click?: boolean | number | null | undefined;
  conversion?: boolean | number | null | undefined;
  label?: boolean | number | null | undefined;
  /** The prediction's score (for the label histograms) and ms from it to this label. */
  score?: number | null | undefined;
  labelDelayMs?: number | null | undefined;
}

/** Start of the bucket of width bucketMs holding ts. */
export function bucketOf(ts: number, bucketMs: number = MINUTE_MS): number {
  return Math.floor(ts / bucketMs) * bucketMs;
}

export function createRollup(key: RollupKey, profile?: ReferenceProfile | null): Rollup {
  checkKey(key);
  const r: Rollup = {
    model: key.model,
    version: key.version,
    arm: key.arm,
    bucketStart: key.bucketStart,
    bucketMs: key.bucketMs,
    ...zeroCounters(),
    latency: new LatencySketch(),
    scoreHist: new Float64Array(SCORE_BINS + 1),
    quality: new Float64Array(QUALITY_LENGTH),
    layout: null,
    features: [],
    featureStats: new Float64Array(0),
  };
  if (profile) attachLayout(r, compileProfile(profile).layout);
  return r;
}

function checkKey(key: RollupKey): void {
  if (!(Number.isSafeInteger(key.bucketMs) && key.bucketMs > 0)) {
    throw invalid(`rollup bucketMs must be a positive whole number of ms, got ${key.bucketMs}`);
  }
  if (!(Number.isSafeInteger(key.bucketStart) && key.bucketStart % key.bucketMs === 0)) {
    throw invalid(`rollup bucketStart ${key.bucketStart} is not a multiple of bucketMs ${key.bucketMs}`);
  }
}

/**
 * Gives a rollup feature histograms of `layout` (all zero) when it has none; checks that
 * it is the same layout when it has. Throws HistogramLayoutMismatch otherwise.
 */
export function attachLayout(r: Rollup, layout: HistogramLayout): void {
  if (r.layout === layout) return;
  if (r.layout === null) {
    r.layout = layout;
    r.features = layout.sizes.map((n) => new Float64Array(n));
    r.featureStats = new Float64Array(layout.sizes.length * FEATURE_STATS_WIDTH);
    return;
  }
  if (!sameLayout(r.layout, layout)) throw layoutMismatch(r, layout);
  r.layout = layout; // same bins; share the object so the next check is one comparison
}

export function layoutMismatch(r: RollupKey, layout: HistogramLayout | null): DomainError {
  return new DomainError(
    'conflict',
    `feature histograms of model ${r.model} version ${r.version} were counted over different ` +
      `reference-profile bins (${layout?.id ?? 'none'}); they cannot be merged`,
  );
}

/** Bin of a score in the score histogram. */
export function scoreBin(score: unknown): number {
  if (typeof score !== 'number' || !Number.isFinite(score)) return SCORE_MISSING;
  let i = Math.floor(score * SCORE_BINS);
  if (i >= SCORE_BINS) return SCORE_BINS - 1;
  if (i < 0) return 0;
  // score * 10 may round across an edge; the edges i/10 decide.
  if (score < (SCORE_EDGES[i] as number)) i--;
  else if (i < SCORE_BINS - 1 && score >= (SCORE_EDGES[i + 1] as number)) i++;
  return i;
}

/**
 * Adds one prediction (the hot path: no allocation per record beyond a new sketch bin
 * chunk). With a profile, feature histograms are counted over its bins.
 */
export function addPrediction(r: Rollup, rec: PredictionInput, profile?: ReferenceProfile | null): void {
  // Layout check first, so a refused record changes nothing.
  const c = profile ? compileProfile(profile) : null;
  if (c !== null && r.layout !== c.layout) attachLayout(r, c.layout);
  r.requests++;
  const err = rec.error;
  if (err === true || (typeof err === 'string' && err.length > 0)) r.errors++;
  const s = rec.score;
  if (typeof s === 'number' && Number.isFinite(s)) {
    r.scoreCount++;
    r.scoreSum += s;
    r.scoreSumSq += s * s;
    (r.scoreHist[scoreBin(s)] as number)++;
  } else {
    (r.scoreHist[SCORE_MISSING] as number)++;
  }
  const l = rec.latencyMs;
  if (typeof l === 'number' && r.latency.add(l)) {
    r.latencyCount++;
    r.latencySum += l;
  }
  // Kept in its own function: inlined here, it made V8 box a double per record.
  if (c !== null) addFeatures(r, rec, c);
}

function addFeatures(r: Rollup, rec: PredictionInput, c: CompiledProfile): void {
  const names = c.layout.names;
  const fps = c.features;
  const numericEdges = c.numericEdges;
  const hists = r.features;
  const stats = r.featureStats;
  const values = rec.features;
  for (let i = 0; i < fps.length; i++) {
    const h = hists[i] as Float64Array;
    const v = values ? values[names[i]!] : undefined;
    const finite = typeof v === 'number' && Number.isFinite(v);
    const edges = numericEdges[i]!;
    const b = edges !== null && finite ? finiteSlot(edges, v) : binIndex(fps[i]!, v);
    const at = i * FEATURE_STATS_WIDTH;
    if (b < 0) {
      // Invalid for the feature (ingest rejects those records first; a profile feature the
      // model does not declare is not checked there): missing, so totals stay = requests. A
      // finite number here only means a profile without edges: not a type error.
      (h[h.length - 1] as number)++;
      if (!finite) (stats[at + FS_INVALID] as number)++;
      continue;
    }
    (h[b] as number)++;
    if (finite && fps[i]!.type === 'numeric') {
      (stats[at + FS_COUNT] as number)++;
      (stats[at + FS_SUM] as number) += v;
      (stats[at + FS_SUM_SQ] as number) += v * v;
    }
  }
}

/**
 * Counts a record the ingest rejected because feature `name` had the wrong type: it adds to
 * that feature's `rejected` stat and nothing else (the record is not stored).
 */
export function addTypeRejection(r: Rollup, profile: ReferenceProfile, name: string): void {
  const c = compileProfile(profile);
  if (r.layout !== c.layout) attachLayout(r, c.layout);
  const i = c.layout.names.indexOf(name);
  if (i >= 0) (r.featureStats[i * FEATURE_STATS_WIDTH + FS_REJECTED] as number)++;
}

function outcomeCount(v: boolean | number | null | undefined): number {
  if (v === true) return 1;
  if (typeof v === 'number' && v >= 0 && v !== Infinity) return v;
  return 0;
}

export function addOutcome(r: Rollup, o: OutcomeInput): void {
  r.impressions += outcomeCount(o.impression);
  r.clicks += outcomeCount(o.click);
  r.conversions += outcomeCount(o.conversion);
  const label = o.label;
  if (label === true || label === 1) {
    r.labelled++;
    r.positives++;
    addLabel(r, o.score, 1, 0, o.labelDelayMs);
  } else if (label === false || label === 0) {
    r.labelled++;
    addLabel(r, o.score, 0, 1, o.labelDelayMs);
  }
}

/**
 * Adds a label change to the label histograms: `positives` and `negatives` are what the
 * prediction's labelled counts changed by (a label sent again as its opposite moves the row:
 * +1 and −1), `delayMs` the delay of its first label (null/undefined when not the first).
 */
export function addLabel(r: Rollup, score: number | null | undefined, positives: number, negatives: number, delayMs?: number | null): void {
  const q = r.quality;
  if (typeof score === 'number' && Number.isFinite(score)) {
    const b = equalBin(score);
    (q[b] as number) += positives;
    (q[QUALITY_BINS + b] as number) += negatives;
  }
  if (typeof delayMs === 'number' && Number.isFinite(delayMs)) {
    (q[QUALITY_DELAY_SUM] as number) += Math.max(0, Math.round(delayMs));
    (q[QUALITY_DELAY_COUNT] as number)++;
  }
}

/** Counts of one feature's histogram, or undefined when the rollup has none for it. */
export function featureCounts(r: Rollup, name: string): Float64Array | undefined {
  const i = r.layout?.names.indexOf(name) ?? -1;
  return i < 0 ? undefined : r.features[i];
}
