import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import type { ExperimentResults, MetricResult } from '../api/types';
import type { ExperimentField } from '../types';

function pickMetric(results: ExperimentResults, metric?: string): MetricResult | undefined {
  return metric ? results.metrics.find((m) => m.metric === metric) : results.metrics[0];
}

/**
 * A table with one row per arm of the chosen metric: the arm, its sample size, and the chosen
 * comparison against control (lift with its interval, p-value, or chance to win). Effects are
 * relative, so they are shown as percentages.
 */
export function experimentFrame(
  refId: string,
  results: ExperimentResults,
  field: ExperimentField,
  metric?: string
): DataFrame {
  const chosen = pickMetric(results, metric);
  const arms = chosen?.arms ?? [];
  const name = chosen?.metric ?? metric ?? '';
  const base = [
    { name: 'arm', type: FieldType.string, values: arms.map((a) => a.arm) },
    { name: 'version', type: FieldType.string, values: arms.map((a) => a.version ?? '') },
    { name: 'n', type: FieldType.number, values: arms.map((a) => a.n), config: { displayName: 'Units' } },
  ];
  const lift = {
    name: 'lift',
    type: FieldType.number,
    values: arms.map((a) => a.effect ?? null),
    config: { unit: 'percentunit', displayName: `Lift (${name})` },
  };
  const byField = {
    lift: [lift],
    ci: [
      lift,
      {
        name: 'ciLow',
        type: FieldType.number,
        values: arms.map((a) => a.ci?.[0] ?? null),
        config: { unit: 'percentunit', displayName: 'CI low' },
      },
      {
        name: 'ciHigh',
        type: FieldType.number,
        values: arms.map((a) => a.ci?.[1] ?? null),
        config: { unit: 'percentunit', displayName: 'CI high' },
      },
    ],
    pValue: [
      {
        name: 'pValue',
        type: FieldType.number,
        values: arms.map((a) => a.pValue ?? null),
        config: { decimals: 4, min: 0, max: 1, displayName: 'p-value' },
      },
    ],
    chanceToWin: [
      {
        name: 'chanceToWin',
        type: FieldType.number,
        values: arms.map((a) => a.chanceToWin ?? null),
        config: { unit: 'percentunit', min: 0, max: 1, displayName: 'Chance to win' },
      },
    ],
  };
  return createDataFrame({
    refId,
    name: `${results.id} ${name}`,
    fields: [...base, ...byField[field]],
    meta: { preferredVisualisationType: 'table' },
  });
}
