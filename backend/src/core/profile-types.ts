/**
 * Reference profile of a model version: what its training (or a chosen traffic window)
 * looked like, per feature. Rollup histograms are counted over these bins, so drift for any
 * time range is a comparison of two count vectors of the same layout.
 *
 * Histogram layout (the `counts` arrays of profiles and rollups alike):
 * - numeric, with k = edges.length - 1 inner bins:
 *   [below edges[0], bin 1 .. bin k (bin j is [edges[j-1], edges[j]) and the last bin is
 *   closed on the right), above edges[k], missing] → length k + 3
 * - categorical, with m known categories:
 *   [category 0 .. category m-1, unseen (any category not in the profile), missing] → length m + 2
 */
export interface NumericFeatureProfile {
  name: string;
  type: 'numeric';
  edges: number[];
  counts: number[];
  total: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Bounded uniform reservoir sample of the reference values, for exact tests. */
  sample: number[];
}

export interface CategoricalFeatureProfile {
  name: string;
  type: 'categorical';
  categories: string[];
  counts: number[];
  total: number;
  sample: string[];
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

export interface ReferenceProfile {
  /** Profile format version, bumped on layout changes. */
  format: 1;
  source: 'rows' | 'traffic' | 'trainer';
  rows: number;
  createdAt: string;
  features: FeatureProfile[];
  /** Histogram of model scores over 10 equal bins on [0, 1] (+ missing), when known. */
  score?: { edges: number[]; counts: number[] };
}
