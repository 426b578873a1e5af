// The KPIs the backend computes (GET /api/v1/models/{model}/kpis), with the one label and Grafana
// unit each has in both plugins. No imports, so the dashboards workspace can use it under Node too.

export const KPIS = [
  'ctr',
  'cvr',
  'latency_p50',
  'latency_p90',
  'latency_p99',
  'error_rate',
  'requests',
  // Online quality from labels (docs/concepts.md, "Online quality").
  'accuracy',
  'precision',
  'recall',
  'f1',
  'auc',
  'log_loss',
  'calibration_error',
  'label_coverage',
  'label_delay_mean',
] as const;
export type Kpi = (typeof KPIS)[number];

export const KPI_LABELS: Record<Kpi, string> = {
  ctr: 'CTR',
  cvr: 'CVR',
  latency_p50: 'Latency p50',
  latency_p90: 'Latency p90',
  latency_p99: 'Latency p99',
  error_rate: 'Error rate',
  requests: 'Requests',
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  auc: 'AUC',
  log_loss: 'Log loss',
  calibration_error: 'Calibration error',
  label_coverage: 'Label coverage',
  label_delay_mean: 'Label delay (mean)',
};

/** Grafana unit per KPI: rates are fractions 0..1, latencies and the label delay milliseconds. */
export const KPI_UNITS: Record<Kpi, string> = {
  ctr: 'percentunit',
  cvr: 'percentunit',
  error_rate: 'percentunit',
  latency_p50: 'ms',
  latency_p90: 'ms',
  latency_p99: 'ms',
  requests: 'short',
  accuracy: 'percentunit',
  precision: 'percentunit',
  recall: 'percentunit',
  f1: 'percentunit',
  calibration_error: 'percentunit',
  label_coverage: 'percentunit',
  auc: 'none',
  log_loss: 'none',
  label_delay_mean: 'ms',
};
