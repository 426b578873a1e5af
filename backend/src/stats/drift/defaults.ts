/**
 * Drift methods, their default thresholds, and the default method per feature.
 *
 * Thresholds (a result is `drifted` when…):
 * | method          | score                               | drifted when                  |
 * |-----------------|-------------------------------------|-------------------------------|
 * | psi             | PSI over the layout's slots         | score ≥ 0.2                   |
 * | ks              | KS statistic D                      | corrected p-value < 0.05      |
 * | chi_square      | χ² homogeneity statistic            | corrected p-value < 0.05      |
 * | jensen_shannon  | JS distance, base 2 (0..1)          | score ≥ 0.1                   |
 * | wasserstein     | W1 / reference std ("normalised")   | score ≥ 0.1                   |
 *
 * PSI 0.2, not 0.1: 0.1–0.2 is the conventional "moderate shift" band, and sampling noise
 * alone gives E[PSI] ≈ (slots - 1)·(1/n_ref + 1/n_cur) — about 0.1 for 13 slots and a
 * window of 100 records — so 0.1 would flag small windows of an unchanged population.
 *
 * Default method when the caller names none, by feature type and n = min(n_reference,
 * n_current) (non-missing values for numeric, all values for categorical; the smaller
 * sample bounds a test's power):
 * - numeric: n ≤ 1000 → ks; otherwise wasserstein (normalised).
 * - categorical: n ≤ 1000 → chi_square; otherwise jensen_shannon.
 * Above ~1000 values p-value tests flag differences too small to matter, so distances with
 * fixed thresholds take over (as in Evidently). For a time series of windows, choose the
 * method once for the whole range and pass it explicitly, so that windows stay comparable.
 *
 * Applicability: ks and wasserstein need an order (numeric only); psi, jensen_shannon and
 * chi_square work on any count vector (numeric features use their bins).
 */
export const DRIFT_METHODS = ['psi', 'ks', 'jensen_shannon', 'wasserstein', 'chi_square'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];
export type FeatureType = 'numeric' | 'categorical';

export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  psi: 0.2,
  ks: 0.05,
  jensen_shannon: 0.1,
  wasserstein: 0.1,
  chi_square: 0.05,
};

/** Share of drifted features at or above which the dataset counts as drifted. */
export const DEFAULT_DATASET_DRIFT_SHARE = 0.5;

/** Largest n for which the p-value tests are the default. */
export const SMALL_SAMPLE_MAX = 1000;

export const isDriftMethod = (m: unknown): m is DriftMethod => typeof m === 'string' && (DRIFT_METHODS as readonly string[]).includes(m);

/** Methods whose verdict is a p-value (corrected across features) below the threshold. */
export const isPValueMethod = (m: DriftMethod): boolean => m === 'ks' || m === 'chi_square';

export const appliesTo = (method: DriftMethod, type: FeatureType): boolean =>
  type === 'numeric' || (method !== 'ks' && method !== 'wasserstein');

export function defaultMethod(type: FeatureType, n: number): DriftMethod {
  if (type === 'numeric') return n <= SMALL_SAMPLE_MAX ? 'ks' : 'wasserstein';
  return n <= SMALL_SAMPLE_MAX ? 'chi_square' : 'jensen_shannon';
}
