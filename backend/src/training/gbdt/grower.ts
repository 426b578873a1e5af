import { MISSING_BIN } from './binning.ts';
import { accumulateAllRows, accumulateRows, histogramSize, subtractInPlace } from './histogram.ts';
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

export interface GrownTree {
  tree: Tree;
  /** Per leaf: [start, end) into `rows` and the leaf value, for updating training scores. */
  leaves: { start: number; end: number; value: number }[];
}

/**
 * Grows one tree best-first (leaf-wise, like LightGBM and scikit-learn's histogram GBDT):
 * always split the open leaf whose best split gains most, until maxLeaves. The rows of each
 * node are a contiguous range of `rows`, partitioned stably in place; a node's histogram is
 * built only for the smaller child and the sibling's is the parent's minus it.
 */
export class TreeGrower {
  /** Row order after the last grow(): each leaf owns a contiguous range. */
  readonly rows: Uint32Array;
  private readonly bins: Uint8Array;
  private readonly nFeatures: number;
  private readonly binCounts: Int32Array;
  private readonly params: GrowerParams;
  private readonly scratch: Uint32Array;
  private readonly pool: Float64Array[] = [];

  constructor(bins: Uint8Array, nFeatures: number, binCounts: Int32Array, params: GrowerParams) {
    this.bins = bins;
    this.nFeatures = nFeatures;
    this.binCounts = binCounts;
    this.params = params;
    const n = bins.length / nFeatures;
    this.rows = new Uint32Array(n);
    this.scratch = new Uint32Array(n);
  }

  grow(gh: Float32Array): GrownTree {
    const { rows, bins, nFeatures, params } = this;
    const n = rows.length;
    for (let i = 0; i < n; i++) rows[i] = i;

    const nodes = new NodeList();
    const leaves: GrownTree['leaves'] = [];
    const finalize = (node: OpenNode): void => {
      const { g, h } = node.sums;
      const denominator = h + params.l2;
      const value = denominator > 0 ? Math.fround((-params.learningRate * g) / denominator) : 0;
      nodes.value[node.id] = value;
      leaves.push({ start: node.start, end: node.end, value });
      this.release(node.hist);
      node.hist = null;
    };

    let g = 0;
    let h = 0;
    for (let r = 0; r < n; r++) {
      g += gh[2 * r]!;
      h += gh[2 * r + 1]!;
    }
    const root: OpenNode = { id: nodes.add(), start: 0, end: n, depth: 0, sums: { g, h, count: n }, hist: null, split: null };
    const open: OpenNode[] = [];
    if (this.splittable(root)) {
      root.hist = this.acquire();
      accumulateAllRows(root.hist, bins, nFeatures, gh, n);
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
      const middle = this.partition(parent.start, parent.end, split);
      const leftNode: OpenNode = {
        id: nodes.add(), start: parent.start, end: middle, depth: parent.depth + 1, sums: split.left, hist: null, split: null,
      };
      const rightNode: OpenNode = {
        id: nodes.add(), start: middle, end: parent.end, depth: parent.depth + 1, sums: split.right, hist: null, split: null,
      };
      nodes.setSplit(parent.id, split, leftNode.id, rightNode.id);
      nLeaves++;

      if (nLeaves >= params.maxLeaves) {
        this.release(parent.hist);
        finalize(leftNode);
        finalize(rightNode);
        break;
      }
      const [small, large] = leftNode.end - leftNode.start <= rightNode.end - rightNode.start
        ? [leftNode, rightNode] : [rightNode, leftNode];
      const smallSplittable = this.splittable(small);
      const largeSplittable = this.splittable(large);
      if (smallSplittable || largeSplittable) {
        const smallHist = this.acquire();
        accumulateRows(smallHist, bins, nFeatures, gh, rows, small.start, small.end);
        if (largeSplittable) {
          subtractInPlace(parent.hist!, smallHist);
          large.hist = parent.hist;
        } else {
          this.release(parent.hist);
        }
        small.hist = smallHist;
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

  /** Stable partition of rows[start..end) by the split; returns where the right part starts. */
  private partition(start: number, end: number, split: SplitCandidate): number {
    const { rows, scratch, bins, nFeatures } = this;
    const f = split.feature;
    const threshold = split.binThreshold;
    const missingLeft = split.missingLeft;
    let nl = start;
    let nr = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const b = bins[r * nFeatures + f]!;
      if (b === MISSING_BIN ? missingLeft : b <= threshold) rows[nl++] = r;
      else scratch[nr++] = r;
    }
    rows.set(scratch.subarray(0, nr), nl);
    return nl;
  }

  private acquire(): Float64Array {
    const hist = this.pool.pop();
    if (hist) {
      hist.fill(0);
      return hist;
    }
    return new Float64Array(histogramSize(this.nFeatures));
  }

  private release(hist: Float64Array | null): void {
    if (hist) this.pool.push(hist);
  }
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
