import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import type { DriftResponse, Kpi, KpiSeries } from '../api/types';

export const KPI_UNITS: Record<Kpi, string> = {
  ctr: 'percentunit',
  cvr: 'percentunit',
  error_rate: 'percentunit',
  latency_p50: 'ms',
  latency_p90: 'ms',
  latency_p99: 'ms',
  requests: 'short',
};

export const KPI_LABELS: Record<Kpi, string> = {
  ctr: 'CTR',
  cvr: 'CVR',
  latency_p50: 'p50',
  latency_p90: 'p90',
  latency_p99: 'p99',
  error_rate: 'Error rate',
  requests: 'Requests',
};

/** Time series frames for a panel, one per series, named "<kpi> <version> · <arm>". */
export function kpiSeriesFrames(series: KpiSeries[]): DataFrame[] {
  return series.map((s) => {
    const name = `${KPI_LABELS[s.kpi] ?? s.kpi} ${s.version}${s.arm ? ` · ${s.arm}` : ''}`;
    return createDataFrame({
      name,
      fields: [
        { name: 'Time', type: FieldType.time, values: s.points.map((p) => p[0]) },
        {
          name: s.kpi,
          type: FieldType.number,
          values: s.points.map((p) => p[1]),
          config: { unit: KPI_UNITS[s.kpi] ?? 'short', displayNameFromDS: name },
        },
      ],
    });
  });
}

export interface FeatureDrift {
  feature: string;
  method: string;
  score: number;
  pValue: number | null;
  drifted: boolean;
  /** Score per window, oldest first, for the sparkline. */
  times: number[];
  scores: number[];
}

/** Latest verdict per feature plus its score history, drifted features first. */
export function featureDrift(response: DriftResponse): FeatureDrift[] {
  const windows = [...response.windows].sort((a, b) => (a.start ?? a.ts ?? 0) - (b.start ?? b.ts ?? 0));
  const byFeature = new Map<string, FeatureDrift>();
  for (const window of windows) {
    for (const r of window.features) {
      const entry = byFeature.get(r.feature) ?? {
        feature: r.feature,
        method: r.method,
        times: [],
        scores: [],
        score: 0,
        pValue: null,
        drifted: false,
      };
      entry.times.push(window.start ?? window.ts ?? 0);
      entry.scores.push(r.score);
      entry.method = r.method;
      entry.score = r.score;
      entry.pValue = r.pValue ?? null;
      entry.drifted = r.drifted;
      byFeature.set(r.feature, entry);
    }
  }
  return [...byFeature.values()].sort((a, b) => Number(b.drifted) - Number(a.drifted) || b.score - a.score);
}
