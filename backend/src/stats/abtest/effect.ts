/**
 * Treatment-minus-control effects and their standard errors, from per-arm moments.
 *
 * Absolute: Δ = m_T − m_C with SE² = v_T/n_T + v_C/n_C (unequal variances, Welch).
 * Relative: lift = (m_T − m_C)/m_C with the delta-method variance
 *   Var ≈ v_T/(n_T m_C²) + v_C m_T²/(n_C m_C⁴)
 * (the first-order Taylor expansion of m_T/m_C for independent arms, as in GrowthBook's gbstats).
 */
import type { ArmMoments } from './summary.ts';

export type Difference = 'absolute' | 'relative';

export interface EffectEstimate {
  effect: number;
  se: number;
}

export function absoluteEffect(control: ArmMoments, treatment: ArmMoments): EffectEstimate {
  const variance = treatment.variance / treatment.n + control.variance / control.n;
  return { effect: treatment.mean - control.mean, se: Math.sqrt(variance) };
}

/** Requires control.mean ≠ 0 (the caller checks). The sign follows m_C, as in gbstats. */
export function relativeEffect(control: ArmMoments, treatment: ArmMoments): EffectEstimate {
  const mc = control.mean;
  const mt = treatment.mean;
  const variance =
    treatment.variance / (mc * mc * treatment.n) + (control.variance * mt * mt) / (mc ** 4 * control.n);
  return { effect: (mt - mc) / mc, se: Math.sqrt(variance) };
}

/**
 * Welch–Satterthwaite degrees of freedom:
 *   (v_T/n_T + v_C/n_C)² / ((v_T/n_T)²/(n_T − 1) + (v_C/n_C)²/(n_C − 1)).
 * Needs n ≥ 2 in each arm and at least one positive variance.
 */
export function welchDegreesOfFreedom(control: ArmMoments, treatment: ArmMoments): number {
  const a = treatment.variance / treatment.n;
  const b = control.variance / control.n;
  return (a + b) ** 2 / ((a * a) / (treatment.n - 1) + (b * b) / (control.n - 1));
}
