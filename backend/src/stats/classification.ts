/**
 * Binary-classification metrics: ROC AUC, DeLong's test for two correlated AUCs (two models
 * scored on the same rows; two-sided, and one-sided for superiority by a margin), log loss and Brier score. Labels are 0/1; scores are any finite
 * numbers (AUC only uses their order); probabilities lie in [0, 1].
 */
import { normalQuantile, normalSf, normalTwoSidedP } from './distributions.ts';
import { invalid } from '../core/errors.ts';


type Labels = ArrayLike<number>;
type Scores = ArrayLike<number>;

/** Log-loss clipping: probabilities are clipped to [ε, 1 − ε] (scikit-learn's historical 1e-15). */
export const LOG_LOSS_EPS = 1e-15;

function checkLabels(labels: Labels, field = 'labels'): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw invalid(`${field}[${i}]: labels must be 0 or 1`);
  }
}

function checkScores(scores: Scores, n: number, field: string): void {
  if (scores.length !== n) throw invalid(`${field}: ${scores.length} values for ${n} labels`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw invalid(`${field}[${i}]: scores must be finite numbers`);
  }
}

function checkProbabilities(p: Scores, n: number, field: string): void {
  if (p.length !== n) throw invalid(`${field}: ${p.length} values for ${n} labels`);
  if (n === 0) throw invalid(`${field}: at least one row is needed`);
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    if (!(v >= 0 && v <= 1)) throw invalid(`${field}[${i}]: probabilities must lie in [0, 1]`);
  }
}

/** Scores split by class and sorted ascending. */
function sortedByClass(labels: Labels, scores: Scores): { pos: Float64Array; neg: Float64Array } {
  let m = 0;
  for (let i = 0; i < labels.length; i++) m += labels[i] === 1 ? 1 : 0;
  const pos = new Float64Array(m);
  const neg = new Float64Array(labels.length - m);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  return { pos: pos.sort(), neg: neg.sort() };
}

/** Number of entries of ascending `sorted` that are < x (strict) or <= x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * ROC AUC = P(score of a positive > score of a negative) + ½ P(equal): the Mann–Whitney
 * statistic, ties counted half (as scikit-learn's roc_auc_score). O(n log n): both classes
 * are sorted and merged. Throws `invalid_argument` unless both classes occur.
 */
export function rocAuc(labels: Labels, scores: Scores): number {
  checkLabels(labels);
  checkScores(scores, labels.length, 'scores');
  const { pos, neg } = sortedByClass(labels, scores);
  if (pos.length === 0 || neg.length === 0) throw invalid('labels: AUC needs at least one positive and one negative');
  let below = 0; // negatives < current positive
  let upTo = 0; // negatives <= current positive
  let sum = 0;
  for (let i = 0; i < pos.length; i++) {
    const x = pos[i]!;
    while (below < neg.length && neg[below]! < x) below++;
    if (upTo < below) upTo = below;
    while (upTo < neg.length && neg[upTo]! <= x) upTo++;
    sum += below + (upTo - below) / 2;
  }
  return sum / pos.length / neg.length;
}

export interface DeLongResult {
  aucA: number;
  aucB: number;
  /** aucA − aucB. */
  difference: number;
  /** Standard error of the difference. */
  se: number;
  /** difference / se; null when se = 0. */
  z: number | null;
  /** Two-sided. When se = 0: 1 if the AUCs are equal, else 0. */
  pValue: number;
  /** Confidence interval of the difference (normal approximation, not clipped to [−1, 1]). */
  ci: [number, number];
  confidence: number;
}

/**
 * Structural components (placements) of one score vector: for each positive, the share of
 * negatives it outranks (ties ½); for each negative, the share of positives outranking it.
 */
function placements(labels: Labels, scores: Scores): { v10: Float64Array; v01: Float64Array; auc: number } {
  const { pos, neg } = sortedByClass(labels, scores);
  const v10 = new Float64Array(pos.length);
  const v01 = new Float64Array(neg.length);
  let a = 0;
  let b = 0;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const x = scores[i]!;
    if (labels[i] === 1) {
      const lo = lowerBound(neg, x);
      const v = (lo + (upperBound(neg, x) - lo) / 2) / neg.length;
      v10[a++] = v;
      sum += v;
    } else {
      const lo = lowerBound(pos, x);
      const hi = upperBound(pos, x);
      v01[b++] = (pos.length - hi + (hi - lo) / 2) / pos.length;
    }
  }
  return { v10, v01, auc: sum / pos.length };
}

function covariance(x: Float64Array, y: Float64Array, mx: number, my: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return s / (x.length - 1);
}

/**
 * DeLong, DeLong & Clarke-Pearson (1988): test of H0 aucA = aucB for two scores of the same
 * rows, with the covariance of the two AUC estimates from their placement values.
 * Needs at least two positives and two negatives.
 */
export function delongTest(
  labels: Labels,
  scoresA: Scores,
  scoresB: Scores,
  options: { confidence?: number } = {},
): DeLongResult {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw invalid('confidence: must be in (0, 1)');
  checkLabels(labels);
  checkScores(scoresA, labels.length, 'scoresA');
  checkScores(scoresB, labels.length, 'scoresB');
  let m = 0;
  for (let i = 0; i < labels.length; i++) m += labels[i]!;
  const nNeg = labels.length - m;
  if (m < 2 || nNeg < 2) throw invalid('labels: the DeLong test needs at least two positives and two negatives');

  const A = placements(labels, scoresA);
  const B = placements(labels, scoresB);
  const s10 = (x: Float64Array, y: Float64Array, mx: number, my: number): number => covariance(x, y, mx, my) / m;
  const s01 = (x: Float64Array, y: Float64Array, mx: number, my: number): number => covariance(x, y, mx, my) / nNeg;
  // Placements of either class average to the AUC.
  const varA = s10(A.v10, A.v10, A.auc, A.auc) + s01(A.v01, A.v01, A.auc, A.auc);
  const varB = s10(B.v10, B.v10, B.auc, B.auc) + s01(B.v01, B.v01, B.auc, B.auc);
  const cov = s10(A.v10, B.v10, A.auc, B.auc) + s01(A.v01, B.v01, A.auc, B.auc);
  const variance = Math.max(0, varA + varB - 2 * cov);
  const se = Math.sqrt(variance);
  const difference = A.auc - B.auc;
  const zCrit = normalQuantile(1 - (1 - confidence) / 2);
  const ci: [number, number] = [difference - zCrit * se, difference + zCrit * se];
  // Rounding can leave a tiny positive variance where the exact one is 0.
  if (se <= 1e-15 * Math.max(1, Math.abs(difference))) {
    return { aucA: A.auc, aucB: B.auc, difference, se: 0, z: null, pValue: difference === 0 ? 1 : 0, ci: [difference, difference], confidence };
  }
  const z = difference / se;
  const pValue = normalTwoSidedP(z);
  return { aucA: A.auc, aucB: B.auc, difference, se, z, pValue, ci, confidence };
}

export interface SuperiorityResult {
  /** aucA − aucB and its DeLong standard error. */
  difference: number;
  se: number;
  margin: number;
  alpha: number;
  /** (difference − margin) / se; null when se = 0. */
  z: number | null;
  /** One-sided p of H0 aucA − aucB ≤ margin. When se = 0: 0 if the difference exceeds the margin, else 1. */
  pValue: number;
  /** One-sided (1 − alpha) lower confidence bound of the difference. */
  lower: number;
  /** pValue < alpha: A beats B by more than the margin. */
  superior: boolean;
}

/**
 * DeLong's test for superiority by a margin: H0 aucA − aucB ≤ margin against aucA − aucB >
 * margin, one-sided, with the standard error of delongTest. Equivalent: the one-sided lower
 * (1 − alpha) bound of the difference lies above the margin.
 */
export function delongSuperiority(labels: Labels, scoresA: Scores, scoresB: Scores, margin: number, alpha = 0.05): SuperiorityResult {
  if (!(Number.isFinite(margin) && margin >= 0 && margin < 1)) throw invalid('margin: must be in [0, 1)');
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha: must be in (0, 1)');
  const { difference, se } = delongTest(labels, scoresA, scoresB);
  if (se === 0) {
    const superior = difference > margin;
    return { difference, se, margin, alpha, z: null, pValue: superior ? 0 : 1, lower: difference, superior };
  }
  const z = (difference - margin) / se;
  const pValue = normalSf(z);
  return { difference, se, margin, alpha, z, pValue, lower: difference - normalQuantile(1 - alpha) * se, superior: pValue < alpha };
}

/** Mean negative log-likelihood, probabilities clipped to [ε, 1 − ε]. */
export function logLoss(labels: Labels, probabilities: Scores): number {
  checkLabels(labels);
  checkProbabilities(probabilities, labels.length, 'probabilities');
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, probabilities[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / labels.length;
}

/** Mean squared difference between probability and label. */
export function brierScore(labels: Labels, probabilities: Scores): number {
  checkLabels(labels);
  checkProbabilities(probabilities, labels.length, 'probabilities');
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = probabilities[i]! - labels[i]!;
    sum += d * d;
  }
  return sum / labels.length;
}
