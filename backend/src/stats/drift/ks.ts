/**
 * Two-sample Kolmogorov–Smirnov test, two-sided.
 *
 * `ksTwoSample` matches scipy.stats.ks_2samp(a, b, method='auto'): the statistic is the
 * largest gap between the right-continuous ECDFs (ties handled exactly); the p-value is
 * exact (lattice-path recurrence) when both samples have at most 10,000 values, and
 * otherwise kstwo.sf(d, round(n1·n2/(n1+n2))), SciPy's "asymptotic" choice.
 *
 * `ksBinned` works on two histograms of the same numeric layout (see profile-types.ts):
 * the ECDFs are compared only at the bin edges, so its statistic is a LOWER BOUND on the
 * statistic of the raw values, and its p-value (limiting Kolmogorov distribution at
 * √(n_eff)·D, n_eff = n1·n2/(n1+n2)) is correspondingly conservative.
 */
import { kolmogornSf, kolmogorovSf } from './kolmogorov-distribution.ts';
import { exactTwoSampleKs, roundHalfEven } from './ks-exact.ts';

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

const MAX_EXACT_N = 10_000;

/** Sorted copy as a Float64Array (numeric order). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

/** Max |F1 - F2| over the pooled sample, both arrays sorted ascending. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < n1 || j < n2) {
    const x = i < n1 && (j >= n2 || (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  return Math.max(maxS, Math.min(1, -minS));
}

/** Two-sided p-value for statistic d from samples of sizes n1, n2 (SciPy's 'auto'). */
export function ksPValue(n1: number, n2: number, d: number): KsResult {
  let statistic = d;
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const exact = exactTwoSampleKs(n1, n2, d);
    if (exact.pValue !== undefined) return { statistic: exact.statistic, pValue: exact.pValue, method: 'exact' };
    statistic = exact.statistic;
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return { statistic, pValue: kolmogornSf(roundHalfEven(en), statistic), method: 'asymptotic' };
}

/** ks_2samp on two sorted non-empty samples. */
export function ksTwoSampleSorted(a: Float64Array, b: Float64Array): KsResult {
  return ksPValue(a.length, b.length, ksStatisticSorted(a, b));
}

/** ks_2samp on two non-empty samples of finite numbers (callers validate). */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  return ksTwoSampleSorted(sortedCopy(a), sortedCopy(b));
}

export interface BinnedKsResult {
  statistic: number;
  pValue: number;
  /** n1·n2/(n1+n2) over non-missing counts. */
  effectiveN: number;
}

/**
 * KS on histograms of one numeric layout, [below, bins..., above, missing]: the missing slot
 * (the last) is left out. Empty side → statistic 0, p-value 1. No allocations.
 */
export function ksBinned(reference: ArrayLike<number>, current: ArrayLike<number>): BinnedKsResult {
  const slots = reference.length - 1;
  let n1 = 0;
  let n2 = 0;
  for (let s = 0; s < slots; s++) {
    n1 += reference[s] as number;
    n2 += current[s] as number;
  }
  if (n1 <= 0 || n2 <= 0) return { statistic: 0, pValue: 1, effectiveN: 0 };
  let c1 = 0;
  let c2 = 0;
  let d = 0;
  for (let s = 0; s < slots; s++) {
    c1 += reference[s] as number;
    c2 += current[s] as number;
    const gap = Math.abs(c1 / n1 - c2 / n2);
    if (gap > d) d = gap;
  }
  const effectiveN = (n1 * n2) / (n1 + n2);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(effectiveN) * d), effectiveN };
}
