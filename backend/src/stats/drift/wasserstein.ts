/**
 * Wasserstein-1 (earth mover's) distance between two 1-D distributions: the area between
 * their CDFs.
 *
 * - `wassersteinSorted` / `wasserstein`: raw samples, as scipy.stats.wasserstein_distance.
 * - `wassersteinBinned`: two histograms of one numeric layout; each slot's mass sits at a
 *   point: `below` at edges[0], inner bin j at its midpoint, `above` at edges[k]; missing is
 *   left out. Mass outside the reference range is thus placed at the range's ends, so shifts
 *   beyond the range are under-counted (use PSI to see them).
 *
 * Normalised score = distance / reference standard deviation (population, ddof = 0, as
 * Evidently), so 0.1 means "a tenth of a reference std". When the reference std is 0 the
 * divisor is |reference mean|, or 1 when that is 0 too (documented, never Infinity).
 */
import { sortedCopy } from './ks.ts';

/** Distance between two sorted non-empty samples. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = Math.min(a[0] as number, b[0] as number);
  while (i < n1 || j < n2) {
    const x = i < n1 && (j >= n2 || (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    if (x > prev) {
      // ECDFs are constant on [prev, x): counts so far are those ≤ prev.
      sum += Math.abs(i / n1 - j / n2) * (x - prev);
      prev = x;
    }
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
  }
  return sum;
}

/** scipy.stats.wasserstein_distance(a, b) for non-empty finite samples. */
export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wassersteinSorted(sortedCopy(a), sortedCopy(b));
}

/** Divisor for the normalised score (see the module comment). */
export function wassersteinScale(referenceStd: number, referenceMean: number): number {
  if (referenceStd > 0) return referenceStd;
  const m = Math.abs(referenceMean);
  return m > 0 ? m : 1;
}

/**
 * Distance between two histograms of one numeric layout (edges of the layout, counts of
 * length edges.length + 2). 0 when either side has no non-missing counts. No allocations.
 */
export function wassersteinBinned(edges: ArrayLike<number>, reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const k = edges.length - 1;
  const slots = k + 2;
  let n1 = 0;
  let n2 = 0;
  for (let s = 0; s < slots; s++) {
    n1 += reference[s] as number;
    n2 += current[s] as number;
  }
  if (n1 <= 0 || n2 <= 0 || k < 0) return 0;
  let c1 = 0;
  let c2 = 0;
  let sum = 0;
  let x = edges[0] as number;
  for (let s = 0; s < slots - 1; s++) {
    c1 += reference[s] as number;
    c2 += current[s] as number;
    // Support point of slot s + 1.
    const next = s + 1 <= k ? ((edges[s] as number) + (edges[s + 1] as number)) / 2 : (edges[k] as number);
    sum += Math.abs(c1 / n1 - c2 / n2) * (next - x);
    x = next;
  }
  return sum;
}
