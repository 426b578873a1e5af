/**
 * Prometheus metrics of the monitor (names and cardinality documented in docs/metrics.md).
 *
 * Counters are incremented at ingest. Gauges are computed on scrape from a snapshot the
 * monitor builds from rollups (metrics-snapshot.ts: a few small queries per model) and
 * caches for SNAPSHOT_TTL_MS, so scrapes by several Prometheus servers cost one computation.
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { snapshotGauges } from '../core/snapshot-gauges.ts';
import type { ScoreDrift } from './score-drift.ts';
import { TtlCache } from '../core/ttl-cache.ts';

export const SNAPSHOT_TTL_MS = 15_000;

/**
 * Cardinality bounds. Ingest already bounds the (version, arm) keys a model has
 * (cardinality.ts); `keysPerModel` also bounds what rollups written before that hold.
 */
export const EXPORT_LIMITS = {
  models: 100,
  /** (version, arm) keys per model with KPI and latency gauges: those with the most requests. */
  keysPerModel: 200,
  /** Versions per model with the most requests in the drift window. */
  versionsPerModel: 5,
  armsPerVersion: 10,
  featuresPerVersion: 200,
  /** (version, feature) pairs per model with data quality gauges: the busiest versions first, profile order. */
  dataQualityFeaturesPerModel: 200,
} as const;

export interface MonitorCounters {
  ingested: Counter<'model' | 'kind'>;
  rejected: Counter<'model' | 'kind'>;
  predictions: Counter<'model' | 'version'>;
  /** Predictions whose (version, arm) is not registered or configured: kept as sent (`sent`) or counted under `__other__` (`other`). */
  unregistered: Counter<'model' | 'counted_as'>;
}

export interface ExportSnapshot {
  kpis: { model: string; version: string; arm: string; kpi: string; value: number }[];
  latency: { model: string; version: string; arm: string; quantile: string; seconds: number }[];
  baselines: { model: string; kpi: string; baseline: number; relativeChange: number | null }[];
  featureDrift: {
    model: string;
    version: string;
    feature: string;
    method: string;
    score: number;
    pValue: number | null;
  }[];
  featureDrifted: { model: string; version: string; feature: string; drifted: boolean }[];
  datasetDrift: { model: string; version: string; share: number; drifted: boolean }[];
  health: { model: string; score: number; status: string }[];
  /** Online quality (quality-snapshot.ts): the last hour, and the 24 hours before it. */
  quality: { model: string; version: string; arm: string; kpi: string; value: number }[];
  qualityReference: { model: string; version: string; arm: string; kpi: string; value: number }[];
  qualityLabelled: { model: string; version: string; arm: string; labelled: number; referenceLabelled: number }[];
  qualityDrop: { model: string; version: string; arm: string; kpi: string; value: number }[];
  qualityDropZ: { model: string; version: string; arm: string; kpi: string; value: number }[];
  /** Score drift of the last hour against the 24 hours before (score-drift.ts). */
  scoreDrift: { model: string; version: string; arm: string; drift: ScoreDrift }[];
  /** Data quality over the drift window (data-quality.ts); null: not defined for the feature. */
  featureQuality: {
    model: string;
    version: string;
    feature: string;
    missing: number | null;
    outOfRange: number | null;
    unseen: number | null;
    typeErrors: number | null;
    meanShift: number | null;
  }[];
  dataQualityVersions: { model: string; version: string; records: number; meanVectorDistance: number | null }[];
  /** Seconds from the end of the minute of the model's newest prediction (models that had one). */
  freshness: { model: string; seconds: number }[];
}

export const emptySnapshot = (): ExportSnapshot => ({
  kpis: [],
  latency: [],
  baselines: [],
  featureDrift: [],
  featureDrifted: [],
  datasetDrift: [],
  health: [],
  quality: [],
  qualityReference: [],
  qualityLabelled: [],
  qualityDrop: [],
  qualityDropZ: [],
  scoreDrift: [],
  featureQuality: [],
  dataQualityVersions: [],
  freshness: [],
});

/** The snapshot cache: one computation per TTL at a time; a failed one is logged and exports nothing. */
export function createSnapshotCache(logger: Logger): TtlCache<ExportSnapshot> {
  return new TtlCache<ExportSnapshot>({
    onError: (error) => {
      logger.error({ err: error }, 'monitor: metrics snapshot failed');
      return emptySnapshot();
    },
  });
}

export function createMonitorCounters(prometheus: Registry): MonitorCounters {
  return {
    ingested: new Counter({
      name: 'modelwatch_ingested_records_total',
      help: 'Records accepted by ingest, by model and kind (prediction, outcome).',
      labelNames: ['model', 'kind'] as const,
      registers: [prometheus],
    }),
    rejected: new Counter({
      name: 'modelwatch_rejected_records_total',
      help: 'Records rejected by ingest (invalid, duplicate, unknown prediction), by model and kind.',
      labelNames: ['model', 'kind'] as const,
      registers: [prometheus],
    }),
    predictions: new Counter({
      name: 'modelwatch_predictions_total',
      help: 'Predictions accepted by ingest, by model and version.',
      labelNames: ['model', 'version'] as const,
      registers: [prometheus],
    }),
    unregistered: new Counter({
      name: 'modelwatch_ingest_unregistered_total',
      help: 'Predictions accepted with a version or arm the model has not registered or configured: kept as sent (counted_as="sent", within MODELWATCH_MAX_UNREGISTERED_KEYS keys) or counted under __other__ (counted_as="other").',
      labelNames: ['model', 'counted_as'] as const,
      registers: [prometheus],
    }),
  };
}

/** Registers the gauges; each scrape reads `snapshot()` (cached by the caller). */
export function registerMonitorGauges(prometheus: Registry, snapshot: () => Promise<ExportSnapshot>): void {
  const gauge = snapshotGauges(prometheus, snapshot);

  gauge('modelwatch_kpi_value', 'KPI over the last complete 5 minutes (ctr, cvr, error_rate, requests_per_second).', ['model', 'version', 'arm', 'kpi'], (g, s) => {
    for (const k of s.kpis) g.set({ model: k.model, version: k.version, arm: k.arm, kpi: k.kpi }, k.value);
  });
  gauge('modelwatch_latency_seconds', 'Latency quantiles over the last complete 5 minutes.', ['model', 'version', 'arm', 'quantile'], (g, s) => {
    for (const l of s.latency) g.set({ model: l.model, version: l.version, arm: l.arm, quantile: l.quantile }, l.seconds);
  });
  gauge('modelwatch_kpi_baseline', 'Baseline of a KPI used by the health rule (champion traffic).', ['model', 'kpi'], (g, s) => {
    for (const b of s.baselines) g.set({ model: b.model, kpi: b.kpi }, b.baseline);
  });
  gauge('modelwatch_kpi_relative_change', 'Current KPI / baseline − 1 (champion traffic, latest minute with data).', ['model', 'kpi'], (g, s) => {
    for (const b of s.baselines) if (b.relativeChange !== null) g.set({ model: b.model, kpi: b.kpi }, b.relativeChange);
  });
  gauge('modelwatch_feature_drift_score', 'Drift score per feature and method over the last hour vs the reference profile.', ['model', 'version', 'feature', 'method'], (g, s) => {
    for (const d of s.featureDrift) g.set({ model: d.model, version: d.version, feature: d.feature, method: d.method }, d.score);
  });
  gauge('modelwatch_feature_drift_p_value', 'Drift p-value (ks, chi_square) per feature over the last hour.', ['model', 'version', 'feature', 'method'], (g, s) => {
    for (const d of s.featureDrift) if (d.pValue !== null) g.set({ model: d.model, version: d.version, feature: d.feature, method: d.method }, d.pValue);
  });
  gauge('modelwatch_feature_drifted', '1 when the feature drifted over the last hour.', ['model', 'version', 'feature'], (g, s) => {
    for (const d of s.featureDrifted) g.set({ model: d.model, version: d.version, feature: d.feature }, d.drifted ? 1 : 0);
  });
  gauge('modelwatch_dataset_drift_share', 'Share of drifted features over the last hour.', ['model', 'version'], (g, s) => {
    for (const d of s.datasetDrift) g.set({ model: d.model, version: d.version }, d.share);
  });
  gauge('modelwatch_dataset_drifted', '1 when the drift share reached the dataset threshold.', ['model', 'version'], (g, s) => {
    for (const d of s.datasetDrift) g.set({ model: d.model, version: d.version }, d.drifted ? 1 : 0);
  });
  gauge('modelwatch_quality', 'Online quality from labels over the predictions of the last hour (kpi: accuracy, precision, recall, f1 at the version decision threshold, auc, log_loss, calibration_error, label_coverage, label_delay_seconds).', ['model', 'version', 'arm', 'kpi'], (g, s) => {
    for (const q of s.quality) g.set({ model: q.model, version: q.version, arm: q.arm, kpi: q.kpi }, q.value);
  });
  gauge('modelwatch_quality_reference', 'The same quality KPIs over the 24 hours before the last hour: what a quality drop is measured against.', ['model', 'version', 'arm', 'kpi'], (g, s) => {
    for (const q of s.qualityReference) g.set({ model: q.model, version: q.version, arm: q.arm, kpi: q.kpi }, q.value);
  });
  gauge('modelwatch_quality_labelled', 'Labelled predictions behind the quality gauges (window: last_hour, reference).', ['model', 'version', 'arm', 'window'], (g, s) => {
    for (const q of s.qualityLabelled) {
      g.set({ model: q.model, version: q.version, arm: q.arm, window: 'last_hour' }, q.labelled);
      g.set({ model: q.model, version: q.version, arm: q.arm, window: 'reference' }, q.referenceLabelled);
    }
  });
  gauge('modelwatch_quality_drop', 'Quality drop of the last hour against the reference, positive = worse (kpi: auc, accuracy, f1: reference − current; log_loss: current − reference).', ['model', 'version', 'arm', 'kpi'], (g, s) => {
    for (const q of s.qualityDrop) g.set({ model: q.model, version: q.version, arm: q.arm, kpi: q.kpi }, q.value);
  });
  gauge('modelwatch_quality_drop_z', 'z of the AUC drop against the reference (Hanley–McNeil standard errors, independent windows).', ['model', 'version', 'arm', 'kpi'], (g, s) => {
    for (const q of s.qualityDropZ) g.set({ model: q.model, version: q.version, arm: q.arm, kpi: q.kpi }, q.value);
  });
  gauge('modelwatch_score_drift', 'Drift of the prediction scores of the last hour against the 24 hours before (method: psi, ks, jensen_shannon).', ['model', 'version', 'arm', 'method'], (g, s) => {
    for (const d of s.scoreDrift) {
      const labels = { model: d.model, version: d.version, arm: d.arm };
      g.set({ ...labels, method: 'psi' }, d.drift.psi);
      g.set({ ...labels, method: 'ks' }, d.drift.ks);
      g.set({ ...labels, method: 'jensen_shannon' }, d.drift.jensenShannon);
    }
  });
  gauge('modelwatch_score_drift_p_value', 'p-value of the binned KS test of the score drift.', ['model', 'version', 'arm'], (g, s) => {
    for (const d of s.scoreDrift) g.set({ model: d.model, version: d.version, arm: d.arm }, d.drift.ksPValue);
  });
  gauge('modelwatch_score_drifted', '1 when the scores drifted (PSI ≥ 0.2, KS p < 0.05 or Jensen–Shannon ≥ 0.1).', ['model', 'version', 'arm'], (g, s) => {
    for (const d of s.scoreDrift) g.set({ model: d.model, version: d.version, arm: d.arm }, d.drift.drifted ? 1 : 0);
  });
  gauge('modelwatch_score_drift_predictions', 'Scored predictions behind the score drift gauges (window: last_hour, reference).', ['model', 'version', 'arm', 'window'], (g, s) => {
    for (const d of s.scoreDrift) {
      g.set({ model: d.model, version: d.version, arm: d.arm, window: 'last_hour' }, d.drift.n.current);
      g.set({ model: d.model, version: d.version, arm: d.arm, window: 'reference' }, d.drift.n.reference);
    }
  });
  const featureGauge = (name: string, help: string, pick: (f: ExportSnapshot['featureQuality'][number]) => number | null) =>
    gauge(name, help, ['model', 'version', 'feature'], (g, s) => {
      for (const f of s.featureQuality) {
        const v = pick(f);
        if (v !== null) g.set({ model: f.model, version: f.version, feature: f.feature }, v);
      }
    });
  featureGauge('modelwatch_feature_missing_ratio', 'Missing values / records per feature over the last hour (values of the wrong type not included).', (f) => f.missing);
  featureGauge('modelwatch_feature_out_of_range_ratio', 'Numeric features: values outside the reference profile range / records with a value, over the last hour.', (f) => f.outOfRange);
  featureGauge('modelwatch_feature_unseen_ratio', 'Categorical features: categories not in the reference profile / records with a value, over the last hour.', (f) => f.unseen);
  featureGauge('modelwatch_feature_type_error_ratio', 'Values of the wrong type (counted as missing or rejected at ingest) / (records + records rejected for a type), over the last hour.', (f) => f.typeErrors);
  featureGauge('modelwatch_feature_mean_shift_sigmas', 'Numeric features: |mean of the last hour − reference mean| / reference std.', (f) => f.meanShift);
  gauge('modelwatch_data_quality_records', 'Records behind the data quality gauges over the last hour (accepted + rejected for a feature type): the rules\' minimum volume.', ['model', 'version'], (g, s) => {
    for (const v of s.dataQualityVersions) g.set({ model: v.model, version: v.version }, v.records);
  });
  gauge('modelwatch_feature_mean_vector_distance', 'Euclidean length of the standardized mean differences ((mean − ref mean) / ref std) over the numeric features with at least 100 values, last hour.', ['model', 'version'], (g, s) => {
    for (const v of s.dataQualityVersions) if (v.meanVectorDistance !== null) g.set({ model: v.model, version: v.version }, v.meanVectorDistance);
  });
  gauge('modelwatch_ingest_seconds_since_last_record', 'Seconds from the end of the minute of the newest prediction of the model (minute resolution; 0 within that minute).', ['model'], (g, s) => {
    for (const f of s.freshness) g.set({ model: f.model }, f.seconds);
  });
  gauge('modelwatch_health_score', 'Model health score, 0..1 (1 = no violation in the sustain window).', ['model'], (g, s) => {
    for (const h of s.health) g.set({ model: h.model }, h.score);
  });
  gauge('modelwatch_health_status', '1 for the current health status of the model (ok, degraded, failing).', ['model', 'status'], (g, s) => {
    for (const h of s.health) for (const status of ['ok', 'degraded', 'failing']) g.set({ model: h.model, status }, h.status === status ? 1 : 0);
  });
}
