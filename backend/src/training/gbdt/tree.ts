import { MISSING_BIN } from './binning.ts';

/**
 * One regression tree, as flat arrays indexed by node id (0 is the root). A node is a leaf
 * when feature[node] < 0. Internal nodes send a row left when its value, as float32, is
 * <= threshold (equivalently bin <= binThreshold), and missing values (NaN) left when
 * missingLeft[node] is 1. Leaf values are float32 and already include the learning rate.
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float32Array;
  binThreshold: Uint8Array;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
}

export const treeNodeCount = (tree: Tree): number => tree.feature.length;
export const treeLeafCount = (tree: Tree): number => tree.feature.filter((f) => f < 0).length;

/** Adds the tree's value for each row i of raw columns to out[i] (one tree over all rows: cache-friendly). */
export function addTreeRaw(tree: Tree, columns: Float64Array[], out: Float64Array): void {
  const { feature, threshold, missingLeft, left, right, value } = tree;
  for (let i = 0; i < out.length; i++) {
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      const x = columns[f]![i]!;
      const goLeft = x !== x ? missingLeft[node] === 1 : Math.fround(x) <= threshold[node]!;
      node = goLeft ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    out[i]! += value[node]!;
  }
}

/** Adds the tree's values to raw[i] for each binned row i (bins by feature). */
export function addTreeBinned(tree: Tree, binColumns: Uint8Array[], raw: Float64Array): void {
  const { feature, binThreshold, missingLeft, left, right, value } = tree;
  for (let i = 0; i < raw.length; i++) {
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      const b = binColumns[f]![i]!;
      const goLeft = b === MISSING_BIN ? missingLeft[node] === 1 : b <= binThreshold[node]!;
      node = goLeft ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    raw[i]! += value[node]!;
  }
}
