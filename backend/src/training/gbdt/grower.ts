import { accumulateRange, histogramSize, subtractInPlace } from './histogram.ts';
import { partitionRows, type RowStore } from './row-store.ts';
import { findBestSplit, type NodeSums, type SplitCandidate, type SplitConstraints } from './split.ts';
import type { Tree } from './tree.ts';

export interface GrowerParams extends SplitConstraints {
  maxLeaves: number;
  /** Edges from the root to the deepest leaf; Infinity for no limit. */
  maxDepth: number;
  learningRate: number;
}

interface OpenNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  sums: NodeSums;
  hist: Float64Array | null;
  split: SplitCandidate | null;
}

/** Per leaf: the store positions [start, end) it holds and its value, to update scores. */
export interface LeafRange {
  start: number;
  end: number;
  value: number;
}

/**
 * Grows one tree best-first (leaf-wise, like LightGBM and scikit-learn's histogram GBDT):
 * always split the open leaf whose best split gains most, until maxLeaves. Each node's rows
 * are a contiguous range of the store, partitioned in place; a histogram is built only for
 * the smaller child, the sibling's is the parent's minus it, and none is built for children
 * that will not be split.
 */
export class TreeGrower {
  private readonly store: RowStore;
  private readonly binCounts: Int32Array;
  private readonly params: GrowerParams;
  private readonly pool: Float64Array[] = [];

  constructor(store: RowStore, binCounts: Int32Array, params: GrowerParams) {
    this.store = store;
    this.binCounts = binCounts;
    this.params = params;
  }

  /** Grows a tree on the store's current gradients; leaves the store grouped by leaf. */
  grow(): { tree: Tree; leaves: LeafRange[] } {
    const { store, params } = this;
    const nodes = new NodeList();
    const leaves: LeafRange[] = [];
    const finalize = (node: OpenNode): void => {
      const { g, h } = node.sums;
      const denominator = h + params.l2;
      const value = denominator > 0 ? Math.fround((-params.learningRate * g) / denominator) : 0;
      nodes.value[node.id] = value;
      leaves.push({ start: node.start, end: node.end, value });
      this.release(node.hist);
      node.hist = null;
    };

    const root: OpenNode = {
      id: nodes.add(), start: 0, end: store.n, depth: 0, sums: rangeSums(store, 0, store.n), hist: null, split: null,
    };
    const open: OpenNode[] = [];
    if (this.splittable(root)) {
      root.hist = this.acquire();
      accumulateRange(root.hist, store, 0, store.n);
      root.split = findBestSplit(root.hist, root.sums, this.binCounts, params);
    }
    if (root.split) open.push(root);
    else finalize(root);

    let nLeaves = 1;
    while (open.length > 0) {
      let best = 0;
      for (let k = 1; k < open.length; k++) if (open[k]!.split!.gain > open[best]!.split!.gain) best = k;
      const parent = open.splice(best, 1)[0]!;
      const split = parent.split!;
      const middle = partitionRows(store, parent.start, parent.end, split.feature, split.binThreshold, split.missingLeft);
      const depth = parent.depth + 1;
      const leftNode: OpenNode = {
        id: nodes.add(), start: parent.start, end: middle, depth, sums: split.left, hist: null, split: null,
      };
      const rightNode: OpenNode = {
        id: nodes.add(), start: middle, end: parent.end, depth, sums: split.right, hist: null, split: null,
      };
      nodes.setSplit(parent.id, split, leftNode.id, rightNode.id);
      nLeaves++;

      if (nLeaves >= params.maxLeaves) {
        this.release(parent.hist);
        finalize(leftNode);
        finalize(rightNode);
        break;
      }
      const leftIsSmall = middle - parent.start <= parent.end - middle;
      const small = leftIsSmall ? leftNode : rightNode;
      const large = leftIsSmall ? rightNode : leftNode;
      const smallSplittable = this.splittable(small);
      const largeSplittable = this.splittable(large);
      if (smallSplittable || largeSplittable) {
        const smallHist = this.acquire();
        accumulateRange(smallHist, store, small.start, small.end);
        if (largeSplittable) {
          subtractInPlace(parent.hist!, smallHist);
          large.hist = parent.hist;
        } else {
          this.release(parent.hist);
        }
        if (smallSplittable) small.hist = smallHist;
        else this.release(smallHist);
      } else {
        this.release(parent.hist);
      }
      parent.hist = null;
      for (const child of [leftNode, rightNode]) {
        if (child.hist) child.split = findBestSplit(child.hist, child.sums, this.binCounts, params);
        if (child.split) open.push(child);
        else finalize(child);
      }
    }
    for (const node of open) finalize(node);
    return { tree: nodes.toTree(), leaves };
  }

  private splittable(node: OpenNode): boolean {
    return node.depth < this.params.maxDepth && node.sums.count >= 2 * this.params.minSamplesLeaf;
  }

  private acquire(): Float64Array {
    const hist = this.pool.pop();
    if (hist) {
      hist.fill(0);
      return hist;
    }
    return new Float64Array(histogramSize(this.store.nFeatures));
  }

  private release(hist: Float64Array | null): void {
    if (hist) this.pool.push(hist);
  }
}

function rangeSums(store: RowStore, start: number, end: number): NodeSums {
  const { gh } = store;
  let g = 0;
  let h = 0;
  for (let i = start; i < end; i++) {
    g += gh[2 * i]!;
    h += gh[2 * i + 1]!;
  }
  return { g, h, count: end - start };
}

/** Growable node arrays of one tree. */
class NodeList {
  feature: number[] = [];
  threshold: number[] = [];
  binThreshold: number[] = [];
  missingLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.binThreshold.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    return this.feature.length - 1;
  }

  setSplit(id: number, split: SplitCandidate, left: number, right: number): void {
    this.feature[id] = split.feature;
    this.binThreshold[id] = split.binThreshold;
    this.missingLeft[id] = split.missingLeft ? 1 : 0;
    this.left[id] = left;
    this.right[id] = right;
  }

  toTree(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      binThreshold: Uint8Array.from(this.binThreshold),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float32Array.from(this.value),
    };
  }
}
