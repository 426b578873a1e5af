/**
 * Fieller's interval for a ratio of two independent means, θ = μ_T / μ_C, used for the
 * relative lift θ − 1 of metrics analysed by randomization unit.
 *
 * Why not the delta method: on clustered, heavy-tailed traffic the delta-method lift
 * (m_T − m_C)/m_C is skewed at a few hundred units per arm, and its z-test rejects a true
 * A/A about 1.5× as often as α (bench/ab/numpy_peer.py), while the absolute difference
 * m_T − m_C keeps its level. Fieller's set is exactly the set of θ that the absolute-difference
 * pivot does not reject,
 *
 *   { θ : (m_T − θ m_C)² ≤ c² (V_T + θ² V_C) },   V = variance / n of each arm's mean,
 *
 * so its lift interval excludes 0 exactly when the absolute-difference test rejects, whatever
 * the critical value c (Student's t, or the confidence-sequence multiplier for always-valid
 * inference). Solving the quadratic:
 *
 *   θ = (m_T m_C ± c √(V_T m_C² + V_C m_T² − c² V_T V_C)) / (m_C² − c² V_C).
 *
 * When m_C² ≤ c² V_C the control mean is not distinguishable from 0 and the set is unbounded
 * (not an interval); the caller then falls back to the delta-method interval.
 */
import type { ArmMoments } from './summary.ts';

/** The lift interval [θ_lo − 1, θ_hi − 1], or null when Fieller's set is unbounded or the control mean is not positive. */
export function fiellerLiftInterval(control: ArmMoments, treatment: ArmMoments, critical: number): [number, number] | null {
  const mc = control.mean;
  const mt = treatment.mean;
  if (!(mc > 0) || control.n === 0 || treatment.n === 0) return null;
  const vc = control.variance / control.n;
  const vt = treatment.variance / treatment.n;
  const c2 = critical * critical;
  const denominator = mc * mc - c2 * vc;
  if (!(denominator > 0)) return null;
  const root = Math.sqrt(Math.max(0, vt * mc * mc + vc * mt * mt - c2 * vt * vc));
  const lo = (mt * mc - critical * root) / denominator;
  const hi = (mt * mc + critical * root) / denominator;
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo - 1, hi - 1] : null;
}
