import { addTreeRaw, type Tree } from './tree.ts';

/** A trained GBDT: probability = sigmoid(baseScore + Σ tree values). */
export interface GbdtModel {
  algorithm: 'gbdt';
  featureNames: string[];
  /** Log-odds before any tree (float32). */
  baseScore: number;
  trees: Tree[];
}

/** Log-odds per row of raw columns (features in the model's order; NaN = missing). */
export function gbdtMargins(model: GbdtModel, columns: Float64Array[]): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (const tree of model.trees) addTreeRaw(tree, columns, out);
  for (let i = 0; i < n; i++) out[i]! += model.baseScore;
  return out;
}

export function gbdtProbabilities(model: GbdtModel, columns: Float64Array[]): Float64Array {
  const out = gbdtMargins(model, columns);
  for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]!);
  return out;
}

export const sigmoid = (s: number): number => (s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s)));
