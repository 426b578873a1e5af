import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import type { ExperimentResults, MetricResult } from '@modelwatch/plugin-api';
import type { ExperimentField } from '../types';

function pickMetric(results: ExperimentResults, metric?: string): MetricResult | undefined {
  if (metric) {
    return results.metrics.find((m) => m.metric === metric);
  }
  return results.metrics.find((m) => m.role === 'primary') ?? results.metrics[0];
}

/**
 * A table with one row per arm of the chosen metric (default: the primary one): the arm, its
 * events (the metric's denominator) and distinct units apart, the unit of analysis, its mean,
 * and the chosen comparison with control (lift with its interval, p-value, or
 * chance to win). Relative lifts show as percentages; the control's comparison cells are empty.
 */
export function experimentFrame(refId: string, results: ExperimentResults, field: ExperimentField, metric?: string): DataFrame {
  const chosen = pickMetric(results, metric);
  const arms = chosen?.arms ?? [];
  const name = chosen?.metric ?? metric ?? '';
  const relative = arms.some((a) => a.comparison?.difference === 'relative');
  const effectUnit = relative || chosen?.kind === 'proportion' ? 'percentunit' : undefined;
  const compare = (pick: (c: NonNullable<(typeof arms)[number]['comparison']>) => number) =>
    arms.map((a) => (a.comparison ? pick(a.comparison) : null));
  const lift = {
    name: 'lift',
    type: FieldType.number,
    values: compare((c) => c.effect),
    config: { unit: effectUnit, displayName: `Lift (${name})` },
  };
  const byField = {
    lift: [lift],
    ci: [
      lift,
      { name: 'ciLow', type: FieldType.number, values: compare((c) => c.ci[0]), config: { unit: effectUnit, displayName: 'CI low' } },
      { name: 'ciHigh', type: FieldType.number, values: compare((c) => c.ci[1]), config: { unit: effectUnit, displayName: 'CI high' } },
    ],
    pValue: [
      {
        name: 'pValue',
        type: FieldType.number,
        values: compare((c) => c.adjustedPValue ?? c.pValue),
        config: { decimals: 4, min: 0, max: 1, displayName: 'p-value' },
      },
    ],
    chanceToWin: [
      {
        name: 'chanceToWin',
        type: FieldType.number,
        values: compare((c) => c.chanceToWin),
        config: { unit: 'percentunit', min: 0, max: 1, displayName: 'Chance to win' },
      },
    ],
  };
  return createDataFrame({
    refId,
    name: `${results.experimentId} ${name}`,
    fields: [
      { name: 'arm', type: FieldType.string, values: arms.map((a) => a.arm) },
      { name: 'version', type: FieldType.string, values: arms.map((a) => a.version) },
      { name: 'n', type: FieldType.number, values: arms.map((a) => a.events), config: { displayName: `Events (${chosen?.unit ?? 'event'}s)` } },
      // null when analysed by event (predictions without unitId).
      { name: 'units', type: FieldType.number, values: arms.map((a) => a.units), config: { displayName: 'Units' } },
      { name: 'analysisUnit', type: FieldType.string, values: arms.map(() => chosen?.analysisUnit ?? results.analysisUnit), config: { displayName: 'Analysed by' } },
      { name: 'mean', type: FieldType.number, values: arms.map((a) => a.mean), config: { displayName: name } },
      ...byField[field],
    ],
    meta: { preferredVisualisationType: 'table' },
  });
}
