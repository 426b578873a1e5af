/**
 * Data quality of one version's traffic over a range (pure: no I/O), from what its rollups
 * hold per reference-profile feature: the histogram (profile-types.ts layout) and the
 * feature stats (rollup.ts `featureStats`).
 *
 * Per feature, over the records the range accepted (= the histogram's total):
 * - missingRate: the missing bin less the values invalid for the feature (those are type
 *   errors), over the records;
 * - outOfRangeRate (numeric): below the first and above the last reference edge, over the
 *   records with a value; unseenRate (categorical): categories not in the profile, likewise;
 * - typeErrorRate: invalid values plus the records ingest rejected for this feature's type,
 *   over the records plus every record rejected for a type;
 * - meanShiftSigmas (numeric): |mean − reference mean| / reference std (population, ddof 0);
 *   null without values or when the reference std is 0.
 * Per version, meanVectorDistance: the Euclidean length of the vector of standardized mean
 * differences ((mean − ref mean) / ref std) over the numeric features that have the minimum
 * volume and a reference std > 0 — the distance between the feature-mean vectors in
 * reference-σ units.
 *
 * A rate is flagged when it exceeds its threshold (missing and unseen: over the reference's
 * own rate) and the feature has at least minVolume records (with a value, for the rates over
 * those); below, it is reported but not flagged. meanShiftSigmas and meanVectorDistance are
 * flagged above k.
 */
import type { FeatureProfile, ReferenceProfile } from '../core/profile-types.ts';
import { FEATURE_STATS_WIDTH, FS_COUNT, FS_INVALID, FS_REJECTED, FS_SUM } from './rollup.ts';

export interface DataQualityOptions {
  /** Mean shift flagged above k reference σ (default 3). */
  k?: number;
  /** Records (with a value, for out-of-range, unseen and the mean) a feature needs before it is flagged (default 100). */
  minVolume?: number;
  /** Thresholds on the rates (defaults: DATA_QUALITY_DEFAULTS). */
  missingRate?: number;
  outOfRangeRate?: number;
  unseenRate?: number;
  typeErrorRate?: number;
}

export const DATA_QUALITY_DEFAULTS = {
  k: 3,
  minVolume: 100,
  /** Above the reference's own missing rate. */
  missingRate: 0.05,
  outOfRangeRate: 0.05,
  /** Above the reference's own unseen rate (its categories past maxCategories). */
  unseenRate: 0.05,
  typeErrorRate: 0.01,
} as const;

export type DataQualityFlag = 'missing' | 'out_of_range' | 'unseen' | 'type_errors' | 'mean_shift';

export interface FeatureQuality {
  feature: string;
  type: 'numeric' | 'categorical';
  /** Records accepted in the range (the histogram's total). */
  records: number;
  missing: number;
  missingRate: number | null;
  referenceMissingRate: number | null;
  /** Numeric: below or above the reference range; null for categorical. */
  outOfRange: number | null;
  outOfRangeRate: number | null;
  /** Categorical: categories not in the profile; null for numeric. */
  unseen: number | null;
  unseenRate: number | null;
  typeErrors: number;
  typeErrorRate: number | null;
  mean: number | null;
  referenceMean: number | null;
  referenceStd: number | null;
  meanShiftSigmas: number | null;
  /** Whether the feature had minVolume records (flags need it). */
  enoughVolume: boolean;
  flags: DataQualityFlag[];
}

export interface VersionQuality {
  /** Records accepted in the range, and those rejected for a feature's type. */
  records: number;
  rejected: number;
  features: FeatureQuality[];
  meanVectorDistance: number | null;
  /** Numeric features behind meanVectorDistance. */
  meanVectorFeatures: number;
  meanVectorFlagged: boolean;
  /** Features with at least one flag. */
  flaggedFeatures: string[];
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function settled(o: DataQualityOptions): Required<DataQualityOptions> {
  const d = DATA_QUALITY_DEFAULTS;
  return {
    k: o.k ?? d.k,
    minVolume: o.minVolume ?? d.minVolume,
    missingRate: o.missingRate ?? d.missingRate,
    outOfRangeRate: o.outOfRangeRate ?? d.outOfRangeRate,
    unseenRate: o.unseenRate ?? d.unseenRate,
    typeErrorRate: o.typeErrorRate ?? d.typeErrorRate,
  };
}

/**
 * Data quality of one version: `counts` one histogram per profile feature (profile order),
 * `stats` FEATURE_STATS_WIDTH numbers per profile feature (rollup.ts), both summed over the range.
 */
export function dataQuality(profile: ReferenceProfile, counts: readonly ArrayLike<number>[], stats: ArrayLike<number>, options: DataQualityOptions = {}): VersionQuality {
  const o = settled(options);
  let rejected = 0;
  for (let i = 0; i < profile.features.length; i++) rejected += stats[i * FEATURE_STATS_WIDTH + FS_REJECTED] ?? 0;
  const features = profile.features.map((f, i) => featureQuality(f, counts[i] ?? [], stats, i * FEATURE_STATS_WIDTH, rejected, o));
  let sq = 0;
  let used = 0;
  profile.features.forEach((f, i) => {
    const q = features[i]!;
    if (f.type !== 'numeric' || q.mean === null || !(f.std > 0)) return;
    if ((stats[i * FEATURE_STATS_WIDTH + FS_COUNT] ?? 0) < o.minVolume) return;
    const z = (q.mean - f.mean) / f.std;
    sq += z * z;
    used++;
  });
  const meanVectorDistance = used > 0 ? Math.sqrt(sq) : null;
  return {
    records: features[0]?.records ?? 0,
    rejected,
    features,
    meanVectorDistance,
    meanVectorFeatures: used,
    meanVectorFlagged: meanVectorDistance !== null && meanVectorDistance > o.k,
    flaggedFeatures: features.filter((q) => q.flags.length > 0).map((q) => q.feature),
  };
}

function featureQuality(
  f: FeatureProfile,
  h: ArrayLike<number>,
  stats: ArrayLike<number>,
  at: number,
  rejectedAll: number,
  o: Required<DataQualityOptions>,
): FeatureQuality {
  const n = h.length;
  let records = 0;
  for (let i = 0; i < n; i++) records += h[i] as number;
  const invalid = stats[at + FS_INVALID] ?? 0;
  const missing = Math.max(0, (n > 0 ? (h[n - 1] as number) : 0) - invalid);
  const valued = records - missing - invalid;
  const refTotal = f.total;
  const refMissing = f.counts[f.counts.length - 1] ?? 0;
  const referenceMissingRate = ratio(refMissing, refTotal);
  const typeErrors = invalid + (stats[at + FS_REJECTED] ?? 0);
  const typeErrorRate = ratio(typeErrors, records + rejectedAll);
  const missingRate = ratio(missing, records);
  const enoughVolume = records >= o.minVolume;
  const enoughValues = valued >= o.minVolume;
  const flags: DataQualityFlag[] = [];
  if (enoughVolume && missingRate !== null && missingRate > (referenceMissingRate ?? 0) + o.missingRate) flags.push('missing');

  let outOfRange: number | null = null;
  let unseen: number | null = null;
  let mean: number | null = null;
  let meanShiftSigmas: number | null = null;
  let unseenRate: number | null = null;
  let outOfRangeRate: number | null = null;
  if (f.type === 'numeric') {
    outOfRange = n >= 3 ? (h[0] as number) + (h[n - 2] as number) : 0;
    outOfRangeRate = ratio(outOfRange, valued);
    if (enoughValues && outOfRangeRate !== null && outOfRangeRate > o.outOfRangeRate) flags.push('out_of_range');
    const count = stats[at + FS_COUNT] ?? 0;
    if (count > 0) {
      mean = (stats[at + FS_SUM] ?? 0) / count;
      if (f.std > 0) meanShiftSigmas = Math.abs(mean - f.mean) / f.std;
    }
  } else {
    unseen = n >= 2 ? (h[n - 2] as number) : 0;
    unseenRate = ratio(unseen, valued);
    const refValued = refTotal - refMissing;
    const referenceUnseen = ratio(f.counts[f.counts.length - 2] ?? 0, refValued) ?? 0;
    if (enoughValues && unseenRate !== null && unseenRate > referenceUnseen + o.unseenRate) flags.push('unseen');
  }
  if (records + rejectedAll >= o.minVolume && typeErrorRate !== null && typeErrorRate > o.typeErrorRate) flags.push('type_errors');
  if (enoughValues && meanShiftSigmas !== null && meanShiftSigmas > o.k) flags.push('mean_shift');
  return {
    feature: f.name,
    type: f.type,
    records,
    missing,
    missingRate,
    referenceMissingRate,
    outOfRange,
    outOfRangeRate,
    unseen,
    unseenRate,
    typeErrors,
    typeErrorRate,
    mean,
    referenceMean: f.type === 'numeric' ? f.mean : null,
    referenceStd: f.type === 'numeric' ? f.std : null,
    meanShiftSigmas,
    enoughVolume,
    flags,
  };
}

/** Freshness: seconds from the end of the minute of the last record to now (0 within that minute). */
export function secondsSince(lastRecordEnd: number | null, now: number): number | null {
  return lastRecordEnd === null ? null : Math.max(0, (now - lastRecordEnd) / 1000);
}
