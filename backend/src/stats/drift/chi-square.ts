/**
 * Chi-square test of HOMOGENEITY on the 2×k table [reference counts; current counts]
 * (as scipy.stats.chi2_contingency(table, correction=False)). This is the right test when
 * the reference is itself a sample: goodness-of-fit would treat the reference proportions
 * as exact and overstate significance for small references. With a very large reference
 * the two agree.
 *
 * Zero expected counts: a slot empty on both sides has expected 0 in both rows and carries
 * no information, so it is dropped and the degrees of freedom are (non-empty slots - 1).
 * With fewer than two non-empty slots, or an empty side, there is nothing to test:
 * statistic 0, p-value 1. No Yates continuity correction (also not for df = 1).
 */
import { chiSquareSf } from '../distributions.ts';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  df: number;
}

/** Homogeneity test over all slots (missing and unseen included). No allocations. */
export function chiSquareHomogeneity(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  const k = reference.length;
  let rTotal = 0;
  let cTotal = 0;
  let nonEmpty = 0;
  for (let i = 0; i < k; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    rTotal += r;
    cTotal += c;
    if (r + c > 0) nonEmpty++;
  }
  if (rTotal <= 0 || cTotal <= 0 || nonEmpty < 2) return { statistic: 0, pValue: 1, df: Math.max(0, nonEmpty - 1) };
  const total = rTotal + cTotal;
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    const col = r + c;
    if (col <= 0) continue;
    const er = (rTotal * col) / total;
    const ec = (cTotal * col) / total;
    statistic += ((r - er) * (r - er)) / er + ((c - ec) * (c - ec)) / ec;
  }
  const df = nonEmpty - 1;
  return { statistic, pValue: chiSquareSf(statistic, df), df };
}
