import { MISSING_BIN } from './binning.ts';
import { HIST_STRIDE } from './histogram.ts';

export interface SplitConstraints {
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  minGainToSplit: number;
}

/** Sums over the rows of a node. */
export interface NodeSums {
  g: number;
  h: number;
  count: number;
}

export interface SplitCandidate {
  feature: number;
  /** Rows with bin <= binThreshold go left. */
  binThreshold: number;
  missingLeft: boolean;
  gain: number;
  left: NodeSums;
  right: NodeSums;
}

/**
 * Best split of a node over all features, or null when none satisfies the constraints.
 * gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ) (twice the loss reduction, as scikit-learn and
 * LightGBM rank splits). Missing values: when the node has some, both directions are tried
 * and the better one is learned; when it has none, they are sent to the child with more
 * rows (scikit-learn's rule), which is where unseen missing values go at prediction time.
 */
export function findBestSplit(
  hist: Float64Array,
  sums: NodeSums,
  binCounts: Int32Array,
  c: SplitConstraints,
): SplitCandidate | null {
  const { g: G, h: H, count: C } = sums;
  const { minSamplesLeaf, minHessianLeaf, l2, minGainToSplit } = c;
  const parentScore = (G * G) / (H + l2);
  let bestGain = minGainToSplit;
  let bestFeature = -1;
  let bestBin = 0;
  let bestMissingLeft = false;
  let bestGL = 0;
  let bestHL = 0;
  let bestCL = 0;
  for (let f = 0; f < binCounts.length; f++) {
    const base = f * HIST_STRIDE;
    const nb = binCounts[f]!;
    const mk = base + MISSING_BIN * 3;
    const mg = hist[mk]!;
    const mh = hist[mk + 1]!;
    const mc = hist[mk + 2]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < nb - 1; b++) {
      const k = base + b * 3;
      gl += hist[k]!;
      hl += hist[k + 1]!;
      cl += hist[k + 2]!;
      // Missing values go right (the only option when the node has none).
      if (cl >= minSamplesLeaf && hl >= minHessianLeaf) {
        const cr = C - cl;
        const hr = H - hl;
        if (cr >= minSamplesLeaf && hr >= minHessianLeaf) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = f;
            bestBin = b;
            bestMissingLeft = mc === 0 ? cl >= cr : false;
            bestGL = gl;
            bestHL = hl;
            bestCL = cl;
          }
        }
      }
      if (mc > 0) {
        // Missing values go left.
        const gl2 = gl + mg;
        const hl2 = hl + mh;
        const cl2 = cl + mc;
        const cr = C - cl2;
        const hr = H - hl2;
        if (cl2 >= minSamplesLeaf && hl2 >= minHessianLeaf && cr >= minSamplesLeaf && hr >= minHessianLeaf) {
          const gr = G - gl2;
          const gain = (gl2 * gl2) / (hl2 + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = f;
            bestBin = b;
            bestMissingLeft = true;
            bestGL = gl2;
            bestHL = hl2;
            bestCL = cl2;
          }
        }
      }
    }
  }
  if (bestFeature < 0) return null;
  return {
    feature: bestFeature,
    binThreshold: bestBin,
    missingLeft: bestMissingLeft,
    gain: bestGain,
    left: { g: bestGL, h: bestHL, count: bestCL },
    right: { g: G - bestGL, h: H - bestHL, count: C - bestCL },
  };
}
