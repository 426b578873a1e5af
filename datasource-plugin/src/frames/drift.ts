import { createDataFrame, DataFrame, FieldType, MappingType } from '@grafana/data';
import type { DriftFeatureResult, DriftResponse } from '@modelwatch/plugin-api';
import type { DriftField } from '../types';

const DRIFTED_MAPPINGS = [
  {
    type: MappingType.ValueToText as const,
    options: { '0': { text: 'stable', color: 'green' }, '1': { text: 'drifted', color: 'red' } },
  },
];

/** The p-value the verdict used: adjusted across features when the backend corrected it. */
export function verdictPValue(result: DriftFeatureResult): number | null {
  return result.adjustedPValue ?? result.pValue ?? null;
}

function fieldValue(result: DriftFeatureResult, field: DriftField): number | null {
  if (field === 'drifted') {
    return result.drifted ? 1 : 0;
  }
  return field === 'pValue' ? verdictPValue(result) : result.score;
}

const FIELD_CONFIG: Record<DriftField, object> = {
  score: {},
  pValue: { min: 0, max: 1, decimals: 4 },
  drifted: { min: 0, max: 1, mappings: DRIFTED_MAPPINGS },
};

/**
 * One series per (version, feature, method) with the chosen field (time = window start), plus a
 * "drift share" series per version (fraction of drifted features) when all features are shown.
 * The version is named only when the response covers several.
 */
export function driftFrames(
  refId: string,
  model: string,
  response: DriftResponse,
  field: DriftField,
  features: string[] = []
): DataFrame[] {
  const wanted = new Set(features);
  const several = response.versions.length > 1;
  const frames: DataFrame[] = [];
  for (const { version, windows: unsorted } of response.versions) {
    const windows = [...unsorted].sort((a, b) => a.ts - b.ts);
    const prefix = several ? `${version} ` : '';
    const series = new Map<string, { feature: string; method: string; times: number[]; values: Array<number | null> }>();
    for (const window of windows) {
      for (const result of window.features) {
        if (wanted.size > 0 && !wanted.has(result.feature)) {
          continue;
        }
        const key = `${result.feature}\u0000${result.method}`;
        const entry = series.get(key) ?? { feature: result.feature, method: result.method, times: [], values: [] };
        entry.times.push(window.ts);
        entry.values.push(fieldValue(result, field));
        series.set(key, entry);
      }
    }
    for (const entry of series.values()) {
      frames.push(
        createDataFrame({
          refId,
          name: `${prefix}${entry.feature}`,
          fields: [
            { name: 'Time', type: FieldType.time, values: entry.times },
            {
              name: field,
              type: FieldType.number,
              values: entry.values,
              labels: { model, version, feature: entry.feature, method: entry.method },
              config: { displayNameFromDS: `${prefix}${entry.feature} (${entry.method})`, ...FIELD_CONFIG[field] },
            },
          ],
        })
      );
    }
    if (wanted.size === 0 && windows.length > 0) {
      frames.push(
        createDataFrame({
          refId,
          name: `${prefix}drift share`,
          fields: [
            { name: 'Time', type: FieldType.time, values: windows.map((w) => w.ts) },
            {
              name: 'driftShare',
              type: FieldType.number,
              values: windows.map((w) => w.driftShare),
              labels: { model, version },
              config: { unit: 'percentunit', min: 0, max: 1, displayNameFromDS: `${prefix}Drift share` },
            },
          ],
        })
      );
    }
  }
  return frames;
}
