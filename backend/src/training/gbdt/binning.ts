import type { Rng } from '../random.ts';

/** Bin index reserved for missing values (NaN); real values use bins 0..254. */
export const MISSING_BIN = 255;
export const MAX_BINS = 255;

/**
 * Quantile bin thresholds of one feature, as float32 values. A value x falls in bin
 * j = the first j with fround(x) <= edges[j] (or edges.length when none), so "bin <= t" is
 * exactly "x <= edges[t]" when x is compared as float32 — the comparison ONNX Runtime makes
 * on the float32 input. Like scikit-learn: with at most `maxBins` distinct values the edges
 * are midpoints between them; otherwise they are quantiles of a seeded subsample.
 */
export function fitBinEdges(
  column: Float64Array,
  rows: Uint32Array,
  maxBins: number,
  subsample: number,
  rng: Rng,
): Float32Array {
  const take = Math.min(rows.length, subsample);
  const values = new Float32Array(take);
  let m = 0;
  for (let k = 0; k < take; k++) {
    // Without replacement would be nicer; with replacement keeps this O(subsample) and is
    // what matters for quantiles.
    const row = take === rows.length ? rows[k]! : rows[Math.floor(rng() * rows.length)]!;
    const x = column[row]!;
    if (!Number.isNaN(x)) values[m++] = x;
  }
  const sorted = values.subarray(0, m).sort();
  const distinct: number[] = [];
  for (let i = 0; i < m && distinct.length <= maxBins; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) {
      const a = distinct[i]!;
      const b = distinct[i + 1]!;
      let edge = Math.fround((a + b) / 2);
      if (!(edge < b)) edge = a; // midpoint rounded up onto b: a still separates them
      edges.push(edge);
    }
  } else {
    for (let q = 1; q < maxBins; q++) {
      const position = (q * (m - 1)) / maxBins;
      const lo = sorted[Math.floor(position)]!;
      const hi = sorted[Math.ceil(position)]!;
      const edge = Math.fround((lo + hi) / 2);
      if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
    }
  }
  return Float32Array.from(edges);
}

/** Bin of one value; `edges` as made by fitBinEdges. */
export function binOf(x: number, edges: Float32Array): number {
  if (Number.isNaN(x)) return MISSING_BIN;
  const fx = Math.fround(x);
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < fx) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Binned rows, row-major: the bins of row r are bins[r*F .. r*F+F-1]. Row-major because
 * histogram building visits the rows of one node and reads every feature of each, so one
 * row's bins share a cache line (column-major would scatter 20 reads per row).
 */
export function binRows(columns: Float64Array[], rows: Uint32Array, edges: Float32Array[]): Uint8Array {
  const nFeatures = columns.length;
  const out = new Uint8Array(rows.length * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const column = columns[f]!;
    const e = edges[f]!;
    const ne = e.length;
    for (let i = 0, o = f; i < rows.length; i++, o += nFeatures) {
      const x = column[rows[i]!]!;
      if (x !== x) {
        out[o] = MISSING_BIN;
        continue;
      }
      const fx = Math.fround(x);
      let lo = 0;
      let hi = ne;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (e[mid]! < fx) lo = mid + 1;
        else hi = mid;
      }
      out[o] = lo;
    }
  }
  return out;
}
