// The KPIs the backend computes (GET /api/v1/models/{model}/kpis), with the one label and Grafana
// unit each has in both plugins. No imports, so the dashboards workspace can use it under Node too.

export const KPIS = ['ctr', 'cvr', 'latency_p50', 'latency_p90', 'latency_p99', 'error_rate', 'requests'] as const;
export type Kpi = (typeof KPIS)[number];

export const KPI_LABELS: Record<Kpi, string> = {
  ctr: 'CTR',
  cvr: 'CVR',
  latency_p50: 'Latency p50',
  latency_p90: 'Latency p90',
  latency_p99: 'Latency p99',
  error_rate: 'Error rate',
  requests: 'Requests',
};

/** Grafana unit per KPI: rates are fractions 0..1, latencies milliseconds. */
export const KPI_UNITS: Record<Kpi, string> = {
  ctr: 'percentunit',
  cvr: 'percentunit',
  error_rate: 'percentunit',
  latency_p50: 'ms',
  latency_p90: 'ms',
  latency_p99: 'ms',
  requests: 'short',
};
