/** Drift statistics: the public surface for the HTTP layer, CLI and monitor queries. */
export { driftFromHistograms, driftFromSamples, type SamplesInput } from './evaluate.ts';
export type { DriftMethodResult, DriftOptions, DriftReport, FeatureDriftResult } from './types.ts';
export {
  DEFAULT_DATASET_DRIFT_SHARE,
  DEFAULT_THRESHOLDS,
  DRIFT_METHODS,
  SMALL_SAMPLE_MAX,
  appliesTo,
  defaultMethod,
  isDriftMethod,
  isPValueMethod,
  type DriftMethod,
  type FeatureType,
} from './defaults.ts';
export { psi, PSI_EPSILON } from './psi.ts';
export { ksBinned, ksTwoSample, type BinnedKsResult, type KsResult } from './ks.ts';
export { jensenShannonDistance } from './jensen-shannon.ts';
export { wasserstein, wassersteinBinned, wassersteinScale } from './wasserstein.ts';
export { chiSquareHomogeneity, type ChiSquareResult } from './chi-square.ts';
