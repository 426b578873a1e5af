/** Result shapes of drift evaluation (docs/api.md, `POST /api/v1/stats/drift`), plus optional extras. */
import type { Correction } from '../multiple-testing.ts';
import type { DriftMethod, FeatureType } from './defaults.ts';

export interface DriftMethodResult {
  method: DriftMethod;
  /** psi, jensen_shannon: the index; ks: D; chi_square: χ²; wasserstein: distance / reference std. */
  score: number;
  /** Raw p-value (ks, chi_square). */
  pValue?: number;
  /** p-value after the correction across features; the verdict uses this one. */
  adjustedPValue?: number;
  /** wasserstein only: the distance in the feature's units. */
  distance?: number;
  threshold: number;
  drifted: boolean;
  /** True when a side had no values this method can use: score 0, never drifted. */
  insufficientData?: boolean;
}

export interface FeatureDriftResult {
  feature: string;
  type: FeatureType;
  results: DriftMethodResult[];
  /** Feature verdict (see DriftOptions.featureVerdict). */
  drifted: boolean;
  /** Values compared (non-missing for numeric, all for categorical). */
  n: { reference: number; current: number };
}

export interface DriftReport {
  features: FeatureDriftResult[];
  /** Drifted features / features with enough data; 0 when none has. */
  driftShare: number;
  datasetDrifted: boolean;
}

export interface DriftOptions {
  /** Methods to run per feature (each where it applies); default: one per feature by type and n. */
  methods?: readonly DriftMethod[];
  featureTypes?: Readonly<Record<string, FeatureType>>;
  thresholds?: Readonly<Partial<Record<DriftMethod, number>>>;
  /** Correction of p-values across features, per method (default benjamini_hochberg). */
  correction?: Correction;
  /** Dataset drifted when driftShare ≥ this (default 0.5). */
  datasetDriftShare?: number;
  /** A feature drifted when 'any' (default) or 'all' of its results with data drifted. */
  featureVerdict?: 'any' | 'all';
  /** Samples only: quantile bins for numeric count methods (default 10). */
  bins?: number;
  /** Samples only: categories kept from the reference (default 50). */
  maxCategories?: number;
}
