/**
 * Ratio metrics analysed by randomization unit (the delta method, as GrowthBook's gbstats
 * does for ratio metrics).
 *
 * The router assigns units (users), not events, to arms, and one unit's events are
 * correlated (a user who clicks often clicks on many of their impressions). A rate such as
 * CTR = Σclicks / Σimpressions is then a ratio of two per-unit means, r = ȳ/x̄, and its
 * variance comes from the units: with per-unit numerators yᵢ and denominators xᵢ over n
 * units,
 *
 *   Var(r̂) ≈ (s_yy − 2 r s_xy + r² s_xx) / (n x̄²)
 *
 * (first-order Taylor expansion of ȳ/x̄; s are the sample variances and the covariance over
 * units). The input is the five sums Σx, Σy, Σx², Σy², Σxy per arm, which add across rows
 * (and are exactly what a GROUP BY unit then SUM gives), so the test stays O(1) in traffic.
 *
 * The result is an arm's moments in the form the A/B comparison takes (summary.ts): n units,
 * mean r and the per-unit variance of the linearised values (yᵢ − r xᵢ)/x̄, so that
 * variance / n is Var(r̂). Absolute and relative effects, Welch df, the always-valid p-value,
 * the Bayesian posterior and the guardrails all follow from those (abtest.ts).
 */
import type { ArmMoments } from './summary.ts';

/** Per-unit sums of one arm for the ratio Σy / Σx. */
export interface UnitRatioSums {
  /** Units (randomization units with at least one event in the arm). */
  n: number;
  /** Σ over units of the denominator (e.g. impressions per unit). */
  x: number;
  /** Σ over units of the numerator (e.g. clicks per unit). */
  y: number;
  xx: number;
  yy: number;
  xy: number;
}

export const emptyUnitRatioSums = (): UnitRatioSums => ({ n: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0 });

/**
 * Moments of the ratio over units; n is the unit count. An arm with no denominator has mean
 * 0 and variance 0 (the comparison then reports insufficient data or zero variance).
 */
export function ratioMoments(s: UnitRatioSums): ArmMoments {
  const { n } = s;
  if (n === 0 || !(s.x > 0)) return { n, mean: 0, variance: 0 };
  const r = s.y / s.x;
  if (n < 2) return { n, mean: r, variance: 0 };
  const xbar = s.x / n;
  const sxx = (s.xx - (s.x * s.x) / n) / (n - 1);
  const syy = (s.yy - (s.y * s.y) / n) / (n - 1);
  const sxy = (s.xy - (s.x * s.y) / n) / (n - 1);
  const variance = (syy - 2 * r * sxy + r * r * sxx) / (xbar * xbar);
  return { n, mean: r, variance: Number.isFinite(variance) ? Math.max(0, variance) : 0 };
}
