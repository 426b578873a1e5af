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

/** Leaf value for row `row` of raw columns. */
export function treeValueRaw(tree: Tree, columns: Float64Array[], row: number): number {
  const { feature, threshold, missingLeft, left, right, value } = tree;
  let node = 0;
  for (;;) {
    const f = feature[node]!;
    if (f < 0) return value[node]!;
    const x = columns[f]![row]!;
    let goLeft: boolean;
    if (x !== x) goLeft = missingLeft[node] === 1;
    else goLeft = Math.fround(x) <= threshold[node]!;
    node = goLeft ? left[node]! : right[node]!;
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
