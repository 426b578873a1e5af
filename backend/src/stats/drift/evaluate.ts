/**
 * Drift of a dataset: per feature, the requested (or default) methods, p-values corrected
 * across features, per-feature verdicts, the share of drifted features and the dataset
 * verdict. Two entry points with one result shape (docs/api.md):
 * - `driftFromSamples`: raw value arrays (the stateless `POST /api/v1/stats/drift`);
 * - `driftFromHistograms`: a reference profile and current counts in its layouts (rollups).
 *
 * Rules (see defaults.ts for thresholds and default methods):
 * - Requested methods run on every feature they apply to; a feature none applies to is an
 *   invalid_argument. Without `methods`, each feature gets its default method.
 * - ks and chi_square p-values are corrected per method across the features that had data
 *   (default Benjamini–Hochberg); `drifted` = adjusted p < threshold. Other methods:
 *   `drifted` = score ≥ threshold.
 * - A side with no usable values (empty current window, say) gives a result with
 *   `insufficientData: true`, score 0 (p-value 1), never drifted; such results do not
 *   vote, and a feature with only such results is left out of driftShare's denominator.
 */
import { DomainError } from '../../core/errors.ts';
import type { FeatureProfile, ReferenceProfile } from '../../core/profile-types.ts';
import { layoutLength, PROFILE_DEFAULTS } from '../profile.ts';
import { adjustPValues, type Correction } from '../multiple-testing.ts';
import { computeMethod, sampleSizes, type FeatureData, type RawResult } from './compute.ts';
import {
  appliesTo,
  DEFAULT_DATASET_DRIFT_SHARE,
  DEFAULT_THRESHOLDS,
  defaultMethod,
  DRIFT_METHODS,
  isDriftMethod,
  isPValueMethod,
  type DriftMethod,
  type FeatureType,
} from './defaults.ts';
import { inferFeatureType, prepareCategorical, prepareNumeric } from './prepare-samples.ts';
import type { DriftMethodResult, DriftOptions, DriftReport, FeatureDriftResult } from './types.ts';

export type { DriftMethodResult, DriftOptions, DriftReport, FeatureDriftResult } from './types.ts';

const CORRECTIONS: readonly Correction[] = ['none', 'bonferroni', 'holm', 'benjamini_hochberg'];

const invalid = (message: string): DomainError => new DomainError('invalid_argument', message);

interface Settings {
  methods: readonly DriftMethod[] | undefined;
  thresholds: Record<DriftMethod, number>;
  correction: Correction;
  datasetDriftShare: number;
  featureVerdict: 'any' | 'all';
}

function settingsOf(options: DriftOptions): Settings {
  const methods = options.methods;
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) throw invalid(`methods must be a non-empty array of ${DRIFT_METHODS.join(', ')}`);
    for (const m of methods) if (!isDriftMethod(m)) throw invalid(`unknown drift method ${JSON.stringify(m)}; expected one of ${DRIFT_METHODS.join(', ')}`);
  }
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [m, t] of Object.entries(options.thresholds ?? {})) {
    if (!isDriftMethod(m)) throw invalid(`thresholds: unknown drift method ${JSON.stringify(m)}`);
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || (isPValueMethod(m) && t >= 1)) {
      throw invalid(`thresholds.${m} must be a number > 0${isPValueMethod(m) ? ' and < 1 (a significance level)' : ''}`);
    }
    thresholds[m] = t;
  }
  const correction = options.correction ?? 'benjamini_hochberg';
  if (!CORRECTIONS.includes(correction)) throw invalid(`correction must be one of ${CORRECTIONS.join(', ')}`);
  const share = options.datasetDriftShare ?? DEFAULT_DATASET_DRIFT_SHARE;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw invalid('datasetDriftShare must be in (0, 1]');
  const verdict = options.featureVerdict ?? 'any';
  if (verdict !== 'any' && verdict !== 'all') throw invalid("featureVerdict must be 'any' or 'all'");
  return { methods, thresholds, correction, datasetDriftShare: share, featureVerdict: verdict };
}

interface Prepared {
  feature: string;
  data: FeatureData;
}

function methodsFor(p: Prepared, settings: Settings): DriftMethod[] {
  const type = p.data.type;
  if (settings.methods === undefined) {
    const n = sampleSizes(p.data);
    return [defaultMethod(type, Math.min(n.reference, n.current))];
  }
  const chosen = settings.methods.filter((m) => appliesTo(m, type));
  if (chosen.length === 0) throw invalid(`feature '${p.feature}' is ${type}: none of the methods ${settings.methods.join(', ')} applies (ks and wasserstein need numeric features)`);
  return chosen;
}

/** Runs the methods, corrects p-values across features and decides verdicts. */
function evaluate(prepared: readonly Prepared[], settings: Settings): DriftReport {
  const raw: Array<Array<{ method: DriftMethod; r: RawResult }>> = prepared.map((p) =>
    methodsFor(p, settings).map((method) => ({ method, r: computeMethod(method, p.data) })),
  );
  // Correction per p-value method across the features that had data.
  const adjusted: Array<Array<number | undefined>> = raw.map((results) => results.map(() => undefined));
  for (const method of DRIFT_METHODS) {
    if (!isPValueMethod(method)) continue;
    const at: Array<[number, number]> = [];
    const ps: number[] = [];
    raw.forEach((results, f) =>
      results.forEach(({ method: m, r }, k) => {
        if (m === method && !r.insufficientData && r.pValue !== undefined) {
          at.push([f, k]);
          ps.push(r.pValue);
        }
      }),
    );
    if (ps.length === 0) continue;
    adjustPValues(ps, settings.correction).forEach((p, i) => {
      const [f, k] = at[i] as [number, number];
      (adjusted[f] as Array<number | undefined>)[k] = p;
    });
  }
  let evaluated = 0;
  let drifted = 0;
  const features = prepared.map((p, f): FeatureDriftResult => {
    const rows = raw[f] ?? [];
    const results = rows.map(({ method, r }, k): DriftMethodResult => {
      const threshold = settings.thresholds[method];
      const out: DriftMethodResult = { method, score: r.score, threshold, drifted: false };
      if (r.pValue !== undefined) {
        const adj = adjusted[f]?.[k] ?? r.pValue;
        out.pValue = r.pValue;
        out.adjustedPValue = adj;
        out.drifted = !r.insufficientData && adj < threshold;
      } else {
        out.drifted = !r.insufficientData && r.score >= threshold;
      }
      if (r.distance !== undefined) out.distance = r.distance;
      if (r.insufficientData) out.insufficientData = true;
      return out;
    });
    const voting = results.filter((r) => !r.insufficientData);
    const featureDrifted = voting.length > 0 && (settings.featureVerdict === 'any' ? voting.some((r) => r.drifted) : voting.every((r) => r.drifted));
    if (voting.length > 0) evaluated++;
    if (featureDrifted) drifted++;
    return { feature: p.feature, type: p.data.type, results, drifted: featureDrifted, n: sampleSizes(p.data) };
  });
  const driftShare = evaluated === 0 ? 0 : drifted / evaluated;
  return { features, driftShare, datasetDrifted: evaluated > 0 && driftShare >= settings.datasetDriftShare };
}

function valueArrays(side: 'reference' | 'current', input: unknown): Record<string, unknown[]> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(`${side} must be an object mapping feature names to arrays of values`);
  const out: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(input)) {
    if (!Array.isArray(values)) throw invalid(`${side}.${name} must be an array of values`);
    out[name] = values;
  }
  return out;
}

export interface SamplesInput extends DriftOptions {
  reference: Readonly<Record<string, readonly unknown[]>>;
  current: Readonly<Record<string, readonly unknown[]>>;
}

/**
 * Drift between raw reference and current values per feature (`POST /api/v1/stats/drift`).
 * Feature type: `featureTypes[name]`, else inferred (all non-missing values numbers →
 * numeric, otherwise categorical). Both sides must name the same features; the reference
 * of each feature must be non-empty. Invalid values (NaN, ±Infinity, strings in a numeric
 * feature, objects) throw DomainError('invalid_argument') naming the feature and position.
 */
export function driftFromSamples(input: SamplesInput): DriftReport {
  const settings = settingsOf(input);
  const reference = valueArrays('reference', input.reference);
  const current = valueArrays('current', input.current);
  const names = Object.keys(reference);
  if (names.length === 0) throw invalid('reference must name at least one feature');
  for (const name of Object.keys(current)) if (!(name in reference)) throw invalid(`current.${name} has no reference values`);
  const types = input.featureTypes ?? {};
  for (const [name, t] of Object.entries(types)) {
    if (!(name in reference)) throw invalid(`featureTypes.${name} names no feature in reference`);
    if (t !== 'numeric' && t !== 'categorical') throw invalid(`featureTypes.${name} must be 'numeric' or 'categorical'`);
  }
  const bins = input.bins ?? PROFILE_DEFAULTS.bins;
  const maxCategories = input.maxCategories ?? PROFILE_DEFAULTS.maxCategories;
  if (!Number.isInteger(bins) || bins < 1) throw invalid('bins must be a positive integer');
  if (!Number.isInteger(maxCategories) || maxCategories < 1) throw invalid('maxCategories must be a positive integer');
  const prepared = names.map((feature): Prepared => {
    const ref = reference[feature] ?? [];
    const cur = current[feature];
    if (cur === undefined) throw invalid(`current.${feature} is missing (send [] for an empty window)`);
    if (ref.length === 0) throw invalid(`reference.${feature} must not be empty`);
    const type: FeatureType = types[feature] ?? inferFeatureType(ref, cur);
    const data = type === 'numeric' ? prepareNumeric(feature, ref, cur, bins) : prepareCategorical(feature, ref, cur, maxCategories);
    return { feature, data };
  });
  return evaluate(prepared, settings);
}

function histogramData(feature: FeatureProfile, counts: readonly number[]): FeatureData {
  if (feature.type === 'numeric') {
    return { type: 'numeric', edges: feature.edges, refCounts: feature.counts, curCounts: counts, refMean: feature.mean, refStd: feature.std };
  }
  return { type: 'categorical', refCounts: feature.counts, curCounts: counts };
}

/**
 * Drift of current histograms (rollups merged over a window) against a reference profile.
 * `currentCounts[feature]` is in the feature's layout (profile-types.ts); features of the
 * profile absent from `currentCounts` are not evaluated. Numeric ks and wasserstein are the
 * binned versions; the result shape is driftFromSamples'. Cost: O(features × slots).
 */
export function driftFromHistograms(
  profile: ReferenceProfile,
  currentCounts: Readonly<Record<string, readonly number[]>>,
  options: Omit<DriftOptions, 'featureTypes' | 'bins' | 'maxCategories'> = {},
): DriftReport {
  const settings = settingsOf(options);
  const byName = new Map(profile.features.map((f) => [f.name, f]));
  for (const name of Object.keys(currentCounts)) if (!byName.has(name)) throw invalid(`feature '${name}' is not in the reference profile`);
  const prepared: Prepared[] = [];
  for (const feature of profile.features) {
    const counts = currentCounts[feature.name];
    if (counts === undefined) continue;
    const expected = layoutLength(feature);
    if (!Array.isArray(counts) || counts.length !== expected) {
      throw invalid(`counts for feature '${feature.name}' must have ${expected} slots (its profile layout), got ${Array.isArray(counts) ? counts.length : typeof counts}`);
    }
    for (const c of counts) if (typeof c !== 'number' || !(c >= 0) || !Number.isFinite(c)) throw invalid(`counts for feature '${feature.name}' must be finite numbers ≥ 0`);
    if (feature.counts.length !== expected) throw invalid(`reference profile of feature '${feature.name}' has ${feature.counts.length} counts, its layout needs ${expected}`);
    prepared.push({ feature: feature.name, data: histogramData(feature, counts) });
  }
  return evaluate(prepared, settings);
}
