/**
 * Always-valid inference: asymptotic confidence sequences (Waudby-Smith, Arnold, Wu, Wang,
 * Ramdas 2023, "Time-uniform central limit theory and asymptotic confidence sequences",
 * arXiv:2103.06476), with the two-sided normal-mixture boundary used by GrowthBook's gbstats.
 *
 * With N the total units (both arms) and s² = SE²·N the per-unit variance of the effect,
 *   ρ         = √((−2 ln α + ln(1 − 2 ln α)) / N*)                 (eq. 161; N* = tuning)
 *   halfwidth = √s² · √(2(Nρ² + 1) · ln(√(Nρ² + 1)/α) / (Nρ)²)      (eq. 9)
 *   e-value   = exp(ρ² N θ̂²/SE² / (2(Nρ² + 1))) / √(Nρ² + 1)        (eq. 155), p = min(1, 1/e)
 * The CS excludes 0 exactly when p ≤ α, and peeking any number of times keeps the chance of
 * ever excluding a true effect of 0 at most α (asymptotically). The CS is tightest near N ≈ N*.
 */

export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/** The mixing parameter ρ that makes the boundary tightest at N = tuning (eq. 161). */
export function sequentialRho(alpha: number, tuning: number): number {
  const lnAlpha = Math.log(alpha);
  return Math.sqrt((-2 * lnAlpha + Math.log(1 - 2 * lnAlpha)) / tuning);
}

/** Half-width of the (1 − α) confidence sequence after n units, for an effect with standard error se. */
export function confidenceSequenceHalfWidth(se: number, n: number, alpha: number, tuning: number): number {
  const rho = sequentialRho(alpha, tuning);
  const v = n * rho * rho + 1;
  // √(SE²·n) · √(2v·ln(√v/α)/(nρ)²) = SE · √(2v·ln(√v/α)/(nρ²))
  return se * Math.sqrt((2 * v * (0.5 * Math.log(v) - Math.log(alpha))) / (v - 1));
}

/** Always-valid two-sided p-value for H0: effect = 0 after n units (1/e-value, capped at 1). */
export function alwaysValidPValue(effect: number, se: number, n: number, alpha: number, tuning: number): number {
  const rho = sequentialRho(alpha, tuning);
  const v = n * rho * rho + 1;
  const z2 = (effect / se) ** 2;
  // ln e = ρ²·n·z²/(2v) − ½ ln v, with ρ²n = v − 1. Kept in log space: e can overflow.
  const lnE = ((v - 1) * z2) / (2 * v) - 0.5 * Math.log(v);
  return lnE <= 0 ? 1 : Math.exp(-lnE);
}
