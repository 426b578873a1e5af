import type { Kpi } from '../api/types';

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

export function kpiUnit(kpi: string): string {
  return KPI_UNITS[kpi as Kpi] ?? 'short';
}
