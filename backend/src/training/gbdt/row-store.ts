import { MISSING_BIN } from './binning.ts';

/**
 * The training rows of one GBDT fit, physically reordered as trees grow: every node of the
 * tree being grown owns a contiguous range of positions, and each row's bins, gradient,
 * hessian, score and label move together. Histograms and score updates then stream through
 * memory instead of gathering scattered rows (the dominant cost otherwise).
 *
 * Row at position i: bins[i*stride .. i*stride+nFeatures-1] (stride = 4 × wordsPerRow bytes,
 * so a row moves as whole 32-bit words), gh[2i] gradient, gh[2i+1] hessian, raw[i] log-odds,
 * y[i] label, w[i] sample weight (when weighted). The order of rows is an implementation detail: nothing outside the fit sees it.
 */
export interface RowStore {
  n: number;
  nFeatures: number;
  stride: number;
  wordsPerRow: number;
  bins: Uint8Array;
  binWords: Uint32Array;
  gh: Float32Array;
  ghWords: Uint32Array;
  raw: Float64Array;
  y: Uint8Array;
  /** Sample weights (the gradient and hessian are scaled by them); null: all 1. */
  w: Float32Array | null;
}

export function createRowStore(binColumns: Uint8Array[], labels: Uint8Array, baseScore: number, weights: Float32Array | null = null): RowStore {
  const nFeatures = binColumns.length;
  const n = labels.length;
  const wordsPerRow = Math.ceil(nFeatures / 4);
  const stride = wordsPerRow * 4;
  const binWords = new Uint32Array(n * wordsPerRow);
  const bins = new Uint8Array(binWords.buffer);
  for (let f = 0; f < nFeatures; f++) {
    const column = binColumns[f]!;
    for (let i = 0, o = f; i < n; i++, o += stride) bins[o] = column[i]!;
  }
  const ghWords = new Uint32Array(2 * n);
  return {
    n,
    nFeatures,
    stride,
    wordsPerRow,
    bins,
    binWords,
    gh: new Float32Array(ghWords.buffer),
    ghWords,
    raw: new Float64Array(n).fill(baseScore),
    y: Uint8Array.from(labels),
    w: weights,
  };
}

/**
 * Partitions positions [start, end) so that rows going left (bin <= binThreshold, missing
 * by missingLeft) come first; returns the first position of the right part. Hoare-style:
 * only misplaced pairs are swapped. Deterministic, not stable (order inside a node is free).
 */
export function partitionRows(
  s: RowStore,
  start: number,
  end: number,
  feature: number,
  binThreshold: number,
  missingLeft: boolean,
): number {
  const { bins, stride, binWords, wordsPerRow, ghWords, raw, y, w: weights } = s;
  let i = start;
  let j = end - 1;
  for (;;) {
    while (i <= j) {
      const b = bins[i * stride + feature]!;
      if (b === MISSING_BIN ? missingLeft : b <= binThreshold) i++;
      else break;
    }
    while (i <= j) {
      const b = bins[j * stride + feature]!;
      if (b === MISSING_BIN ? missingLeft : b <= binThreshold) break;
      j--;
    }
    if (i >= j) return i;
    // swap rows i and j
    for (let w = 0, a = i * wordsPerRow, c = j * wordsPerRow; w < wordsPerRow; w++, a++, c++) {
      const tmp = binWords[a]!;
      binWords[a] = binWords[c]!;
      binWords[c] = tmp;
    }
    const g = ghWords[2 * i]!;
    const h = ghWords[2 * i + 1]!;
    ghWords[2 * i] = ghWords[2 * j]!;
    ghWords[2 * i + 1] = ghWords[2 * j + 1]!;
    ghWords[2 * j] = g;
    ghWords[2 * j + 1] = h;
    const r = raw[i]!;
    raw[i] = raw[j]!;
    raw[j] = r;
    const label = y[i]!;
    y[i] = y[j]!;
    y[j] = label;
    if (weights) {
      const w = weights[i]!;
      weights[i] = weights[j]!;
      weights[j] = w;
    }
    i++;
    j--;
  }
}
