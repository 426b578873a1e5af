/** Reply schemas of the monitoring routes (http/routes/monitoring.ts), each checked against its domain type. */
import { z } from 'zod';
import { savedProfileSchema } from '../../core/profile-schema.ts';
import type { ReferenceProfile } from '../../core/profile-types.ts';
import { KPI_NAMES } from '../../monitor/kpi.ts';
import type { ProfileSummary } from '../../monitor/profile-store.ts';
import type { DriftResult } from '../../monitor/query-drift.ts';
import type { DataQualityResult } from '../../monitor/query-data-quality.ts';
import type { ModelHealth } from '../../monitor/query-health.ts';
import type { KpiResult } from '../../monitor/query-series.ts';
import type { CalibrationResult } from '../../monitor/quality-calibration.ts';
import type { ScoreDriftResult } from '../../monitor/query-score-drift.ts';
import { DRIFT_METHODS } from '../../stats/drift/index.ts';
import { describing } from './describing.ts';

const epochMs = z.number().meta({ description: 'epoch ms' });
const rfc3339 = z.string().meta({ description: 'RFC 3339' });
const pair = z.tuple([z.number(), z.number()]);

const range = { from: epochMs, to: epochMs, step: z.number().meta({ description: 'window width, ms' }) };

const kpiSeries = z
  .object({
    kpi: z.enum(KPI_NAMES),
    version: z.string(),
    arm: z.string().meta({ description: '"*" where the series spans all arms' }),
    points: z.array(z.tuple([epochMs, z.number().nullable()])).meta({ description: '[window start, value]; null where a window had no data' }),
    counts: z.array(pair).optional().meta({ description: 'Proportion KPIs only: [numerator, denominator] per point' }),
    ci: z.array(pair.nullable()).optional().meta({ description: 'Proportion KPIs only: 95% Wilson interval per point, null where undefined' }),
  })
  .meta({ id: 'KpiSeries' });

export const kpiSeriesReply = describing<KpiResult>()(
  z.object({ ...range, series: z.array(kpiSeries) }).meta({ id: 'KpiSeriesReply' }),
);

const calibrationSeries = z
  .object({
    version: z.string(),
    arm: z.string(),
    labelled: z.number().meta({ description: 'Labelled predictions with a score (in the bins)' }),
    calibrationError: z.number().nullable().meta({ description: 'Expected calibration error; null without labels' }),
    bins: z.array(
      z.object({
        lower: z.number(),
        upper: z.number(),
        expected: z.number().meta({ description: "The bin's midpoint: the predicted positive rate" }),
        observed: z.number().nullable().meta({ description: 'Positives / labelled in the bin; null when empty' }),
        count: z.number(),
      }),
    ),
  })
  .meta({ id: 'CalibrationSeries' });

export const calibrationReply = describing<CalibrationResult>()(
  z.object({ from: epochMs, to: epochMs, series: z.array(calibrationSeries) }).meta({ id: 'CalibrationReply' }),
);

const scoreDriftSeries = z
  .object({
    version: z.string(),
    arm: z.string(),
    drift: z
      .object({
        n: z.object({ reference: z.number(), current: z.number() }).meta({ description: 'Scored predictions in each range' }),
        psi: z.number(),
        ks: z.number().meta({ description: 'Binned KS statistic' }),
        ksPValue: z.number(),
        jensenShannon: z.number(),
        drifted: z.boolean().meta({ description: 'PSI ≥ 0.2, KS p < 0.05 or Jensen–Shannon ≥ 0.1' }),
      })
      .nullable()
      .meta({ description: 'Null when a range has no scored predictions of this version and arm' }),
    histogram: z
      .object({ reference: z.array(z.number()), current: z.array(z.number()) })
      .meta({ description: 'Scored predictions per score bin (10 equal bins on [0, 1]) in each range' }),
  })
  .meta({ id: 'ScoreDriftSeries' });

export const scoreDriftReply = describing<ScoreDriftResult>()(
  z
    .object({ from: epochMs, to: epochMs, reference: z.object({ from: epochMs, to: epochMs }), series: z.array(scoreDriftSeries) })
    .meta({ id: 'ScoreDriftReply' }),
);

const driftFeatureResult = z
  .object({
    feature: z.string(),
    type: z.enum(['numeric', 'categorical']),
    method: z.enum(DRIFT_METHODS),
    score: z.number(),
    pValue: z.number().optional().meta({ description: 'Raw p-value (ks, chi_square)' }),
    adjustedPValue: z.number().optional().meta({ description: 'After the correction across features; the verdict uses this one' }),
    distance: z.number().optional().meta({ description: "wasserstein only: the distance in the feature's units" }),
    threshold: z.number(),
    drifted: z.boolean(),
    insufficientData: z.boolean().optional(),
    n: z.object({ reference: z.number(), current: z.number() }),
  })
  .meta({ id: 'DriftFeatureResult' });

const driftWindow = z
  .object({
    ts: epochMs.meta({ description: 'Window start, epoch ms' }),
    from: rfc3339,
    to: rfc3339,
    count: z.number().meta({ description: "Records counted in the window's histograms" }),
    features: z.array(driftFeatureResult),
    driftedFeatures: z.array(z.string()),
    driftShare: z.number(),
    datasetDrifted: z.boolean(),
  })
  .meta({ id: 'DriftWindow' });

const versionDrift = z
  .object({
    version: z.string(),
    profile: z
      .object({ version: z.string(), source: z.string(), rows: z.number(), createdAt: z.string() })
      .nullable()
      .meta({ description: "The profile compared with: the version's own or the champion's" }),
    message: z.string().optional().meta({ description: 'Why there are no windows (e.g. no reference profile)' }),
    windows: z.array(driftWindow),
  })
  .meta({ id: 'VersionDrift' });

export const driftReply = describing<DriftResult>()(
  z.object({ ...range, versions: z.array(versionDrift) }).meta({ id: 'DriftReply' }),
);

const rate = (what: string) => z.number().nullable().meta({ description: `${what}; null without records` });

const featureQuality = z
  .object({
    feature: z.string(),
    type: z.enum(['numeric', 'categorical']),
    records: z.number().meta({ description: 'Records accepted in the range' }),
    missing: z.number(),
    missingRate: rate('Missing values / records (values of the wrong type not included)'),
    referenceMissingRate: rate("The reference profile's missing rate"),
    outOfRange: z.number().nullable().meta({ description: 'Numeric: values below or above the reference range; null for categorical' }),
    outOfRangeRate: rate('Out of range / records with a value; null for categorical'),
    unseen: z.number().nullable().meta({ description: 'Categorical: categories not in the reference profile; null for numeric' }),
    unseenRate: rate('Unseen / records with a value; null for numeric'),
    typeErrors: z.number().meta({ description: 'Values of the wrong type: counted as missing, or the record rejected at ingest' }),
    typeErrorRate: rate('Type errors / (records + records rejected for a type)'),
    mean: z.number().nullable().meta({ description: 'Numeric: mean of the values in the range' }),
    referenceMean: z.number().nullable(),
    referenceStd: z.number().nullable(),
    meanShiftSigmas: z.number().nullable().meta({ description: '|mean − reference mean| / reference std; null without values or with std 0' }),
    enoughVolume: z.boolean().meta({ description: 'At least minVolume records: below, nothing is flagged' }),
    flags: z.array(z.enum(['missing', 'out_of_range', 'unseen', 'type_errors', 'mean_shift'])),
  })
  .meta({ id: 'FeatureQuality' });

const dataQualityWindow = z
  .object({
    ts: epochMs.meta({ description: 'Window start, epoch ms' }),
    records: z.number(),
    rejected: z.number(),
    features: z.array(
      featureQuality.pick({ feature: true, missingRate: true, outOfRangeRate: true, unseenRate: true, typeErrorRate: true, meanShiftSigmas: true, flags: true }),
    ),
  })
  .meta({ id: 'DataQualityWindow' });

const freshness = {
  lastRecordAt: rfc3339.nullable().meta({ description: 'End of the minute of the newest prediction; null when there has been none' }),
  secondsSinceLastRecord: z.number().nullable(),
  noTraffic: z.boolean().meta({ description: 'No prediction for longer than noTrafficAfterSeconds (or ever)' }),
};

const versionDataQuality = z
  .object({
    version: z.string(),
    profile: z
      .object({ version: z.string(), source: z.string(), rows: z.number(), createdAt: z.string() })
      .nullable()
      .meta({ description: "Whose reference profile the features were checked against (the version's or the champion's)" }),
    message: z.string().optional(),
    records: z.number(),
    rejected: z.number().meta({ description: 'Records rejected at ingest for a feature of the wrong type' }),
    features: z.array(featureQuality),
    meanVectorDistance: z
      .number()
      .nullable()
      .meta({ description: 'Euclidean length of the standardized mean differences over the numeric features with minVolume values' }),
    meanVectorFeatures: z.number(),
    meanVectorFlagged: z.boolean().meta({ description: 'meanVectorDistance > k' }),
    flaggedFeatures: z.array(z.string()),
    ...freshness,
    windows: z.array(dataQualityWindow).optional().meta({ description: 'With a step: per window; the totals above then cover every window' }),
  })
  .meta({ id: 'VersionDataQuality' });

export const dataQualityReply = describing<DataQualityResult>()(
  z
    .object({ from: epochMs, to: epochMs, noTrafficAfterSeconds: z.number(), ...freshness, versions: z.array(versionDataQuality) })
    .meta({ id: 'DataQualityReply' }),
);

const healthKpi = z.enum(['ctr', 'latency_p99', 'error_rate']);
const severity = z.enum(['degraded', 'failing']);

const healthReason = z
  .object({
    kpi: healthKpi,
    condition: z.enum(['ctr_drop', 'latency_p99_high', 'error_rate_high']),
    severity,
    message: z.string(),
    value: z.number().meta({ description: 'The KPI in the latest window with data' }),
    threshold: z.number(),
    since: rfc3339.meta({ description: 'Start of the current run of violating windows' }),
    sinceMs: epochMs,
    sustained: z.boolean(),
    violatingWindows: z.number(),
    windows: z.number(),
    baseline: z.number().optional().meta({ description: 'ctr only' }),
    relativeDrop: z.number().optional().meta({ description: 'ctr only' }),
  })
  .meta({ id: 'HealthReason' });

const healthCheck = z
  .object({
    kpi: healthKpi,
    state: z.enum(['ok', 'violating', 'sustained', 'no_data', 'no_baseline', 'disabled']),
    value: z.number().nullable(),
    threshold: z.number().nullable(),
    violatingWindows: z.number(),
    windowsWithData: z.number(),
    baseline: z.number().nullable().optional(),
  })
  .meta({ id: 'HealthCheck' });

export const modelHealthReply = describing<ModelHealth>()(
  z
    .object({
      score: z.number().meta({ description: '0..1' }),
      status: z.enum(['ok', ...severity.options]),
      reasons: z.array(healthReason),
      checks: z.array(healthCheck),
      evaluatedAt: rfc3339,
      window: z.object({ from: rfc3339, to: rfc3339 }).meta({ description: 'The evaluated span [from, to)' }),
      scope: z
        .object({ version: z.string().nullable() })
        .meta({ description: "Traffic judged: the champion version's, or all versions' (null) when there is no champion" }),
    })
    .meta({ id: 'ModelHealth' }),
);

const profileSummaryFields = {
  version: z.string(),
  source: z.string(),
  rows: z.number(),
  layout: z.string(),
  createdAt: rfc3339,
  updatedAt: rfc3339,
  features: z.number(),
};

export const profileSummaryReply = describing<ProfileSummary>()(z.object(profileSummaryFields).meta({ id: 'ProfileSummary' }));

interface VersionProfile extends ProfileSummary {
  profile: ReferenceProfile;
}

export const versionProfileReply = describing<VersionProfile>()(
  z.object({ ...profileSummaryFields, profile: savedProfileSchema }).meta({ id: 'VersionProfile' }),
);
