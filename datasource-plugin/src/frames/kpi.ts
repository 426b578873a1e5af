import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { KPI_LABELS, KPI_UNITS, type KpiResponse } from '@modelwatch/plugin-api';

/** One time series frame per (kpi, version, arm), with unit, labels and a readable display name. */
export function kpiFrames(refId: string, model: string, response: KpiResponse): DataFrame[] {
  return response.series.map((series) => {
    const label = KPI_LABELS[series.kpi];
    // '*' is the backend's "all arms" (traffic outside experiments).
    const hasArm = series.arm !== '*';
    const arm = hasArm ? ` · ${series.arm}` : '';
    const labels: Record<string, string> = { model, kpi: series.kpi, version: series.version };
    if (hasArm) {
      labels.arm = series.arm;
    }
    return createDataFrame({
      refId,
      name: `${series.kpi} ${series.version}${arm}`,
      fields: [
        { name: 'Time', type: FieldType.time, values: series.points.map((p) => p[0]) },
        {
          name: series.kpi,
          type: FieldType.number,
          values: series.points.map((p) => p[1]),
          labels,
          config: { unit: KPI_UNITS[series.kpi], displayNameFromDS: `${label} ${series.version}${arm}` },
        },
      ],
    });
  });
}
