/**
 * Jensen–Shannon distance in base 2 (so in [0, 1]) between two count vectors, as
 * scipy.spatial.distance.jensenshannon(p, q, base=2): the counts are normalised, and
 * slots that are empty on one side contribute only through the other side's term.
 */
const LN2 = Math.log(2);

/** JS distance; 0 when either side has no counts. No allocations. */
export function jensenShannonDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const k = reference.length;
  let pTotal = 0;
  let qTotal = 0;
  for (let i = 0; i < k; i++) {
    pTotal += reference[i] as number;
    qTotal += current[i] as number;
  }
  if (pTotal <= 0 || qTotal <= 0) return 0;
  let left = 0;
  let right = 0;
  for (let i = 0; i < k; i++) {
    const p = (reference[i] as number) / pTotal;
    const q = (current[i] as number) / qTotal;
    const m = (p + q) / 2;
    if (p > 0) left += p * Math.log(p / m);
    if (q > 0) right += q * Math.log(q / m);
  }
  const js = (left + right) / LN2;
  return js > 0 ? Math.sqrt(js / 2) : 0;
}
