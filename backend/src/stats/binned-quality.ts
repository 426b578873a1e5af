/**
 * Online classification quality from per-label score histograms: the counts of labelled
 * positives and labelled negatives per score bin, QUALITY_BINS equal bins on [0, 1] (a
 * monitoring rollup keeps them, monitor/rollup.ts). Everything here is a pure function of
 * the two count arrays, so it works on a minute, an hour or a week of rollups alike.
 *
 * Binning error (docs/concepts/online-quality.md):
 * - AUC (Mann–Whitney over bins, pairs in one bin count half, as ties): differs from the AUC
 *   of the raw scores by at most aucBinningBound() = Σᵢ posᵢ·negᵢ / (2·P·N).
 * - Confusion matrix, accuracy, precision, recall, F1: exact when the threshold is a bin edge
 *   (a multiple of 1/QUALITY_BINS, e.g. 0.5); another threshold is moved to the nearest edge.
 * - Log loss: each row's probability is taken as its bin's midpoint; the error per row is at
 *   most logLossBinningBound()'s per-bin term (unbounded in the first and last bin, where
 *   log p → −∞, so it is an estimate there).
 * - Calibration: the expected rate of a bin is its midpoint (the true mean score of the bin's
 *   rows is within half a bin width, 1 / (2·QUALITY_BINS), of it).
 */
import { invalid } from '../core/errors.ts';

/** Equal-width score bins on [0, 1]: 50, so edges are multiples of 0.02 (0.3, 0.5, 0.7 exact). */
export const QUALITY_BINS = 50;

/** Bin of a score among `bins` equal bins on [0, 1]; scores outside are clamped into the end bins. */
export function equalBin(score: number, bins: number = QUALITY_BINS): number {
  let i = Math.floor(score * bins);
  if (i >= bins) return bins - 1;
  if (i < 0) return 0;
  // score · bins may round across an edge; the edges i / bins decide.
  if (score < i / bins) i--;
  else if (i < bins - 1 && score >= (i + 1) / bins) i++;
  return i;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function total(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}

function checkPair(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  if (pos.length !== neg.length || pos.length === 0) {
    throw invalid(`label histograms: positives and negatives need the same number of bins (> 0), got ${pos.length} and ${neg.length}`);
  }
  return pos.length;
}

/** ROC AUC over bins (ties within a bin count half); null without both classes. */
export function binnedAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number | null {
  const n = checkPair(pos, neg);
  const p = total(pos);
  const q = total(neg);
  if (!(p > 0 && q > 0)) return null;
  let negBelow = 0;
  let u = 0;
  for (let i = 0; i < n; i++) {
    const ni = neg[i] as number;
    u += (pos[i] as number) * (negBelow + ni / 2);
    negBelow += ni;
  }
  return u / (p * q);
}

/** Largest possible |binned AUC − AUC of the raw scores|: the share of pairs within one bin, halved. */
export function aucBinningBound(pos: ArrayLike<number>, neg: ArrayLike<number>): number | null {
  const n = checkPair(pos, neg);
  const p = total(pos);
  const q = total(neg);
  if (!(p > 0 && q > 0)) return null;
  let same = 0;
  for (let i = 0; i < n; i++) same += (pos[i] as number) * (neg[i] as number);
  return same / (2 * p * q);
}

/**
 * Standard error of an AUC from P positives and N negatives (Hanley & McNeil 1982, the
 * exponential approximation): what a drop between two independent windows is scaled by.
 */
export function aucStandardError(auc: number, positives: number, negatives: number): number | null {
  if (!(positives > 0 && negatives > 0) || !(auc >= 0 && auc <= 1)) return null;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const a2 = auc * auc;
  const v = (auc * (1 - auc) + (positives - 1) * (q1 - a2) + (negatives - 1) * (q2 - a2)) / (positives * negatives);
  return Math.sqrt(Math.max(v, 0));
}

/**
 * z of the AUC drop from a reference window to a current one (independent rows):
 * (reference − current) / √(SE_ref² + SE_cur²); null when a window lacks a class or both SEs are 0.
 */
export function aucDropZ(pos: ArrayLike<number>, neg: ArrayLike<number>, refPos: ArrayLike<number>, refNeg: ArrayLike<number>): number | null {
  const cur = binnedAuc(pos, neg);
  const ref = binnedAuc(refPos, refNeg);
  if (cur === null || ref === null) return null;
  const se1 = aucStandardError(cur, total(pos), total(neg))!;
  const se0 = aucStandardError(ref, total(refPos), total(refNeg))!;
  const se = Math.sqrt(se1 * se1 + se0 * se0);
  return se > 0 ? (ref - cur) / se : null;
}

/** Bin midpoints as probabilities. */
const midpoint = (i: number, bins: number): number => (i + 0.5) / bins;

/** Mean log loss with each row's probability at its bin's midpoint; null without labelled rows. */
export function binnedLogLoss(pos: ArrayLike<number>, neg: ArrayLike<number>): number | null {
  const n = checkPair(pos, neg);
  let sum = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const m = midpoint(i, n);
    const a = pos[i] as number;
    const b = neg[i] as number;
    if (a > 0) sum -= a * Math.log(m);
    if (b > 0) sum -= b * Math.log(1 - m);
    rows += a + b;
  }
  return rows > 0 ? sum / rows : null;
}

/**
 * Largest possible |binned log loss − log loss of the raw probabilities|, per the module
 * comment: Infinity when a positive is in the first bin or a negative in the last.
 */
export function logLossBinningBound(pos: ArrayLike<number>, neg: ArrayLike<number>): number | null {
  const n = checkPair(pos, neg);
  let sum = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const lo = i / n;
    const hi = (i + 1) / n;
    const m = midpoint(i, n);
    const a = pos[i] as number;
    const b = neg[i] as number;
    // −log p over [lo, hi] is within max(log(m/lo), log(hi/m)) of −log m; likewise for 1 − p.
    if (a > 0) sum += a * Math.max(lo > 0 ? Math.log(m / lo) : Infinity, Math.log(hi / m));
    if (b > 0) sum += b * Math.max(hi < 1 ? Math.log((1 - m) / (1 - hi)) : Infinity, Math.log((1 - lo) / (1 - m)));
    rows += a + b;
  }
  return rows > 0 ? sum / rows : null;
}

/** The bin edge index nearest a threshold in [0, 1]: rows in bins from it on are predicted positive. */
export function thresholdBin(threshold: number, bins: number): number {
  if (!(threshold >= 0 && threshold <= 1)) throw invalid(`threshold: expected a number in [0, 1], got ${threshold}`);
  return Math.round(threshold * bins);
}

/** Confusion matrix at a decision threshold (score ≥ threshold → positive), per the module comment. */
export function confusionAt(pos: ArrayLike<number>, neg: ArrayLike<number>, threshold: number): Confusion {
  const n = checkPair(pos, neg);
  const cut = thresholdBin(threshold, n);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < n; i++) {
    if (i >= cut) {
      c.tp += pos[i] as number;
      c.fp += neg[i] as number;
    } else {
      c.fn += pos[i] as number;
      c.tn += neg[i] as number;
    }
  }
  return c;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export const accuracyOf = (c: Confusion): number | null => ratio(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn);
export const precisionOf = (c: Confusion): number | null => ratio(c.tp, c.tp + c.fp);
export const recallOf = (c: Confusion): number | null => ratio(c.tp, c.tp + c.fn);
/** F1 = 2TP / (2TP + FP + FN); null when there is no positive, predicted or real. */
export const f1Of = (c: Confusion): number | null => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);

export interface CalibrationBin {
  lower: number;
  upper: number;
  /** The bin's midpoint: the predicted positive rate of its rows. */
  expected: number;
  /** Positives / labelled rows in the bin (null for an empty bin). */
  observed: number | null;
  count: number;
}

/** Expected vs observed positive rate per score bin (a reliability diagram). */
export function calibrationBins(pos: ArrayLike<number>, neg: ArrayLike<number>): CalibrationBin[] {
  const n = checkPair(pos, neg);
  const out: CalibrationBin[] = [];
  for (let i = 0; i < n; i++) {
    const a = pos[i] as number;
    const count = a + (neg[i] as number);
    out.push({ lower: i / n, upper: (i + 1) / n, expected: midpoint(i, n), observed: ratio(a, count), count });
  }
  return out;
}

/** Expected calibration error: Σ countᵢ·|observedᵢ − expectedᵢ| / Σ countᵢ; null without labelled rows. */
export function expectedCalibrationError(pos: ArrayLike<number>, neg: ArrayLike<number>): number | null {
  let sum = 0;
  let rows = 0;
  for (const b of calibrationBins(pos, neg)) {
    if (b.observed === null) continue;
    sum += b.count * Math.abs(b.observed - b.expected);
    rows += b.count;
  }
  return rows > 0 ? sum / rows : null;
}
