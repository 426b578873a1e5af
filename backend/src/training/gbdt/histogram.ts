/**
 * Gradient histograms. One histogram holds, for every feature and every bin (256 per
 * feature, the last for missing values), three float64 sums side by side: gradient,
 * hessian, row count. Index of (feature f, bin b, field k): (f * 256 + b) * 3 + k.
 */
import type { RowStore } from './row-store.ts';

export const BINS_PER_FEATURE = 256;
export const HIST_STRIDE = BINS_PER_FEATURE * 3;

export const histogramSize = (nFeatures: number): number => nFeatures * HIST_STRIDE;

/** Adds the rows at positions [start, end) of the store into `hist` (which the caller zeroed). */
export function accumulateRange(hist: Float64Array, store: RowStore, start: number, end: number): void {
  const { bins, gh, stride, nFeatures } = store;
  const span = nFeatures * HIST_STRIDE;
  for (let i = start; i < end; i++) {
    const g = gh[2 * i]!;
    const h = gh[2 * i + 1]!;
    let p = i * stride;
    for (let o = 0; o < span; o += HIST_STRIDE) {
      const k = o + bins[p++]! * 3;
      hist[k]! += g;
      hist[k + 1]! += h;
      hist[k + 2]! += 1;
    }
  }
}

/** parent -= child: the histogram trick, turning the parent's histogram into the sibling's. */
export function subtractInPlace(parent: Float64Array, child: Float64Array): void {
  for (let k = 0; k < parent.length; k++) parent[k]! -= child[k]!;
}
