/**
 * Sample-ratio mismatch: Pearson's chi-square goodness of fit of the observed unit counts per
 * arm against the configured weights (normalised to sum 1). Matches
 * scipy.stats.chisquare(counts, expected). A mismatch means assignment or logging is broken
 * and the experiment's results cannot be trusted, whatever they say.
 *
 * Defined results: no units at all, or a single arm with positive weight → pValue 1, no
 * mismatch (nothing can be mis-split). Arms with weight 0 take no part in the test, but units
 * counted in such an arm are a mismatch by definition (pValue 0).
 */
import { invalid } from '../../core/errors.ts';
import { chiSquareSf } from '../distributions.ts';

/** Alert threshold: SRM checks run on every look, so a strict level keeps false alarms rare. */
export const SRM_THRESHOLD = 0.001;

export interface SrmInput {
  counts: readonly number[];
  weights: readonly number[];
  /** Default 0.001. */
  threshold?: number;
}

export interface SrmResult {
  pValue: number;
  mismatch: boolean;
  statistic: number;
  df: number;
  /** Expected counts under the normalised weights. */
  expected: number[];
  threshold: number;
  /** Why the chi-square test was not run, for the defined edge cases. */
  reason?: string;
}

export function srm(input: SrmInput): SrmResult {
  if (input === null || typeof input !== 'object') throw invalid('body must be an object {counts, weights}');
  const { counts, weights } = input;
  if (!Array.isArray(counts) || counts.length === 0) throw invalid('counts must be a non-empty array of unit counts');
  if (!Array.isArray(weights) || weights.length !== counts.length) {
    throw invalid(`weights must be an array with one weight per arm (${counts.length}), got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  counts.forEach((c, i) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw invalid(`counts[${i}] must be a non-negative integer, got ${String(c)}`);
  });
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw invalid(`weights[${i}] must be a finite number ≥ 0, got ${String(w)}`);
  });
  const threshold = input.threshold ?? SRM_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    throw invalid(`threshold must be in (0, 1), got ${String(input.threshold)}`);
  }
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  if (!(totalWeight > 0) || !Number.isFinite(totalWeight)) throw invalid('weights must sum to a positive finite number');

  const total = counts.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (w / totalWeight) * total);
  const result = (pValue: number, statistic: number, df: number, reason?: string): SrmResult => ({
    pValue,
    mismatch: pValue < threshold,
    statistic,
    df,
    expected,
    threshold,
    ...(reason === undefined ? {} : { reason }),
  });

  const stray = counts.findIndex((c, i) => c > 0 && weights[i] === 0);
  if (stray >= 0) return result(0, 0, 0, `arm ${stray} has weight 0 but ${counts[stray]} units`);
  const active = weights.map((_, i) => i).filter((i) => (weights[i] as number) > 0);
  const df = active.length - 1;
  if (total === 0) return result(1, 0, df, 'no units yet');
  if (df === 0) return result(1, 0, df, 'a single arm cannot be mis-split');
  let statistic = 0;
  for (const i of active) {
    const e = expected[i] as number;
    const d = (counts[i] as number) - e;
    statistic += (d * d) / e;
  }
  return result(chiSquareSf(statistic, df), statistic, df);
}
