/**
 * Gradient histograms. One histogram holds, for every feature and every bin (256 per
 * feature, the last for missing values), three float64 sums side by side: gradient,
 * hessian, row count. Index of (feature f, bin b, field k): (f * 256 + b) * 3 + k.
 * Gradients and hessians come interleaved in one Float32Array (g of row r at 2r, h at 2r+1)
 * so one random row read touches one cache line.
 */
export const BINS_PER_FEATURE = 256;
export const HIST_STRIDE = BINS_PER_FEATURE * 3;

export const histogramSize = (nFeatures: number): number => nFeatures * HIST_STRIDE;

/** Adds rows rows[start..end) into `hist` (which the caller has zeroed). */
export function accumulateRows(
  hist: Float64Array,
  bins: Uint8Array,
  nFeatures: number,
  gh: Float32Array,
  rows: Uint32Array,
  start: number,
  end: number,
): void {
  const span = nFeatures * HIST_STRIDE;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = gh[2 * r]!;
    const h = gh[2 * r + 1]!;
    let p = r * nFeatures;
    for (let o = 0; o < span; o += HIST_STRIDE) {
      const k = o + bins[p++]! * 3;
      hist[k]! += g;
      hist[k + 1]! += h;
      hist[k + 2]! += 1;
    }
  }
}

/** Adds all rows 0..n-1 (the root), reading them in storage order. */
export function accumulateAllRows(
  hist: Float64Array,
  bins: Uint8Array,
  nFeatures: number,
  gh: Float32Array,
  n: number,
): void {
  const span = nFeatures * HIST_STRIDE;
  let p = 0;
  for (let r = 0; r < n; r++) {
    const g = gh[2 * r]!;
    const h = gh[2 * r + 1]!;
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
