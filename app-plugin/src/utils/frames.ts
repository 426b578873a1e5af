import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { KPI_LABELS, KPI_UNITS, type DriftResponse, type DriftWindow, type KpiSeries, type VersionDrift } from '@modelwatch/plugin-api';

/** Time series frames for a panel, one per series, named "<kpi> <version> · <arm>". */
export function kpiSeriesFrames(series: KpiSeries[]): DataFrame[] {
  return series.map((s) => {
    // '*' is the backend's "all arms" (traffic outside experiments).
    const arm = s.arm !== '*' ? ` · ${s.arm}` : '';
    const name = `${KPI_LABELS[s.kpi]} ${s.version}${arm}`;
    return createDataFrame({
      name,
      fields: [
        { name: 'Time', type: FieldType.time, values: s.points.map((p) => p[0]) },
        {
          name: s.kpi,
          type: FieldType.number,
          values: s.points.map((p) => p[1]),
          // Rates are fractions: an all-zero error rate should read 0–100%, not 0–10000%.
          config: { unit: KPI_UNITS[s.kpi], displayNameFromDS: name, ...(KPI_UNITS[s.kpi] === 'percentunit' ? { min: 0, custom: { axisSoftMin: 0, axisSoftMax: 0.05 } } : {}) },
        },
      ],
    });
  });
}

export interface FeatureDrift {
  feature: string;
  method: string;
  score: number;
  /** The p-value the verdict used (adjusted across features when the backend corrected it). */
  pValue: number | null;
  drifted: boolean;
  /** Score per window, oldest first, for the sparkline. */
  times: number[];
  scores: number[];
}

/** The drift of one version: the preferred one (the champion) if present, else the first. */
export function pickVersion(response: DriftResponse, preferred?: string | null): VersionDrift | undefined {
  return response.versions.find((v) => v.version === preferred) ?? response.versions[0];
}

/** Latest verdict per feature and method plus its score history, drifted features first. */
export function featureDrift(windows: DriftWindow[]): FeatureDrift[] {
  const sorted = [...windows].sort((a, b) => a.ts - b.ts);
  const rows = new Map<string, FeatureDrift>();
  for (const window of sorted) {
    for (const r of window.features) {
      const key = `${r.feature}\u0000${r.method}`;
      const entry = rows.get(key) ?? {
        feature: r.feature,
        method: r.method,
        times: [],
        scores: [],
        score: 0,
        pValue: null,
        drifted: false,
      };
      entry.times.push(window.ts);
      entry.scores.push(r.score);
      entry.score = r.score;
      entry.pValue = r.adjustedPValue ?? r.pValue ?? null;
      entry.drifted = r.drifted;
      rows.set(key, entry);
    }
  }
  return [...rows.values()].sort((a, b) => Number(b.drifted) - Number(a.drifted) || b.score - a.score);
}
