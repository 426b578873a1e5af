import { createDataFrame, DataFrame, FieldType, MappingType } from '@grafana/data';
import type { DriftResponse, DriftWindow } from '../api/types';
import type { DriftField } from '../types';

function windowTime(window: DriftWindow): number {
  return window.start ?? window.ts ?? 0;
}

const DRIFTED_MAPPINGS = [
  {
    type: MappingType.ValueToText as const,
    options: { '0': { text: 'stable', color: 'green' }, '1': { text: 'drifted', color: 'red' } },
  },
];

function fieldValue(result: { score: number; pValue?: number | null; drifted: boolean }, field: DriftField) {
  if (field === 'drifted') {
    return result.drifted ? 1 : 0;
  }
  if (field === 'pValue') {
    return result.pValue ?? null;
  }
  return result.score;
}

/**
 * One series per feature (time = window start) with the chosen field, plus a "drift share"
 * series (fraction of drifted features) when all features are shown.
 */
export function driftFrames(
  refId: string,
  model: string,
  response: DriftResponse,
  field: DriftField,
  features: string[] = []
): DataFrame[] {
  const windows = [...response.windows].sort((a, b) => windowTime(a) - windowTime(b));
  const wanted = new Set(features);
  const byFeature = new Map<string, { method: string; times: number[]; values: Array<number | null> }>();
  for (const window of windows) {
    for (const result of window.features) {
      if (wanted.size > 0 && !wanted.has(result.feature)) {
        continue;
      }
      const entry = byFeature.get(result.feature) ?? { method: result.method, times: [], values: [] };
      entry.times.push(windowTime(window));
      entry.values.push(fieldValue(result, field));
      byFeature.set(result.feature, entry);
    }
  }
  const frames = [...byFeature.entries()].map(([feature, entry]) =>
    createDataFrame({
      refId,
      name: feature,
      fields: [
        { name: 'Time', type: FieldType.time, values: entry.times },
        {
          name: field,
          type: FieldType.number,
          values: entry.values,
          labels: { model, feature, method: entry.method },
          config: {
            displayNameFromDS: `${feature} (${entry.method})`,
            ...(field === 'drifted' ? { min: 0, max: 1, mappings: DRIFTED_MAPPINGS } : {}),
            ...(field === 'pValue' ? { min: 0, max: 1, decimals: 4 } : {}),
          },
        },
      ],
    })
  );
  if (wanted.size === 0 && windows.length > 0) {
    frames.push(
      createDataFrame({
        refId,
        name: 'drift share',
        fields: [
          { name: 'Time', type: FieldType.time, values: windows.map(windowTime) },
          {
            name: 'driftShare',
            type: FieldType.number,
            values: windows.map((w) => w.driftShare),
            labels: { model },
            config: { unit: 'percentunit', min: 0, max: 1, displayNameFromDS: 'Drift share' },
          },
        ],
      })
    );
  }
  return frames;
}
