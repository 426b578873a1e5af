/**
 * Population Stability Index over two count vectors of the same layout:
 *   PSI = Σ (c_i - r_i) · ln(c_i / r_i),  r_i, c_i the slot proportions.
 * Smoothing: a slot whose proportion is 0 on one side gets PSI_EPSILON (1e-4) instead, as
 * Evidently does, so empty bins give a large but finite term, never Infinity. Proportions
 * are not renormalised after the substitution. All slots count, missing included: a change
 * in the missing rate is a change in the population.
 */
export const PSI_EPSILON = 1e-4;

/** PSI of current against reference; 0 when either side has no counts. No allocations. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  const k = reference.length;
  let rTotal = 0;
  let cTotal = 0;
  for (let i = 0; i < k; i++) {
    rTotal += reference[i] as number;
    cTotal += current[i] as number;
  }
  if (rTotal <= 0 || cTotal <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    let r = (reference[i] as number) / rTotal;
    let c = (current[i] as number) / cTotal;
    if (r === 0 && c === 0) continue;
    if (r === 0) r = epsilon;
    if (c === 0) c = epsilon;
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}
