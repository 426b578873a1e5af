import { createDataFrame, DataFrame, FieldType, MappingType } from '@grafana/data';
import type { DataQualityResponse } from '@modelwatch/plugin-api';
import type { DataQualityField } from '../types';

const NO_TRAFFIC = [
  {
    type: MappingType.ValueToText as const,
    options: { '0': { text: 'receiving', color: 'green' }, '1': { text: 'no traffic', color: 'red' } },
  },
];

const ratio = (displayName: string) => ({ unit: 'percentunit', min: 0, max: 1, decimals: 2, displayName });

/**
 * Two tables: one row per (version, feature) with its rates, mean shift and flags (features
 * filtered when some are given), and one row per version with its records, mean-vector
 * distance and freshness. The version column appears in both, so several versions compare.
 */
export function dataQualityFrames(
  refId: string,
  model: string,
  response: DataQualityResponse,
  features: string[] = []
): DataFrame[] {
  const wanted = new Set(features);
  const rows = response.versions.flatMap((v) =>
    v.features.filter((f) => wanted.size === 0 || wanted.has(f.feature)).map((f) => ({ version: v.version, f }))
  );
  const perFeature = createDataFrame({
    refId,
    name: `${model} data quality`,
    fields: [
      { name: 'version', type: FieldType.string, values: rows.map((r) => r.version) },
      { name: 'feature', type: FieldType.string, values: rows.map((r) => r.f.feature) },
      { name: 'type', type: FieldType.string, values: rows.map((r) => r.f.type) },
      { name: 'records', type: FieldType.number, values: rows.map((r) => r.f.records) },
      {
        name: 'missingRate',
        type: FieldType.number,
        values: rows.map((r) => r.f.missingRate),
        config: ratio('Missing'),
      },
      {
        name: 'outOfRangeRate',
        type: FieldType.number,
        values: rows.map((r) => r.f.outOfRangeRate),
        config: ratio('Out of range'),
      },
      { name: 'unseenRate', type: FieldType.number, values: rows.map((r) => r.f.unseenRate), config: ratio('Unseen') },
      {
        name: 'typeErrorRate',
        type: FieldType.number,
        values: rows.map((r) => r.f.typeErrorRate),
        config: ratio('Type errors'),
      },
      {
        name: 'meanShiftSigmas',
        type: FieldType.number,
        values: rows.map((r) => r.f.meanShiftSigmas),
        config: { decimals: 2, displayName: 'Mean shift (σ)' },
      },
      {
        name: 'flags',
        type: FieldType.string,
        values: rows.map((r) => r.f.flags.join(', ')),
        config: { displayName: 'Flags' },
      },
    ],
  });
  const versions = response.versions;
  const perVersion = createDataFrame({
    refId,
    name: `${model} freshness`,
    fields: [
      { name: 'version', type: FieldType.string, values: versions.map((v) => v.version) },
      { name: 'records', type: FieldType.number, values: versions.map((v) => v.records) },
      {
        name: 'rejected',
        type: FieldType.number,
        values: versions.map((v) => v.rejected),
        config: { displayName: 'Rejected (type)' },
      },
      {
        name: 'meanVectorDistance',
        type: FieldType.number,
        values: versions.map((v) => v.meanVectorDistance),
        config: { decimals: 2, displayName: 'Mean-vector distance (σ)' },
      },
      {
        name: 'lastRecordAt',
        type: FieldType.time,
        values: versions.map((v) => (v.lastRecordAt === null ? null : Date.parse(v.lastRecordAt))),
        config: { displayName: 'Last record' },
      },
      {
        name: 'secondsSinceLastRecord',
        type: FieldType.number,
        values: versions.map((v) => v.secondsSinceLastRecord),
        config: { unit: 's', displayName: 'Since last record' },
      },
      {
        name: 'noTraffic',
        type: FieldType.number,
        values: versions.map((v) => (v.noTraffic ? 1 : 0)),
        config: { displayName: 'Traffic', mappings: NO_TRAFFIC },
      },
    ],
  });
  return [perFeature, perVersion];
}

/**
 * One series per (version, feature) of one per-window value (time = window start); a feature
 * the value does not apply to (out of range for categorical, unseen for numeric) has none. The
 * version is named only when the response covers several.
 */
export function dataQualitySeries(
  refId: string,
  model: string,
  response: DataQualityResponse,
  field: Exclude<DataQualityField, 'table'>,
  features: string[] = []
): DataFrame[] {
  const wanted = new Set(features);
  const several = response.versions.length > 1;
  const frames: DataFrame[] = [];
  for (const { version, windows: unsorted = [] } of response.versions) {
    const windows = [...unsorted].sort((a, b) => a.ts - b.ts);
    const prefix = several ? `${version} ` : '';
    const series = new Map<string, { times: number[]; values: Array<number | null>; applies: boolean }>();
    for (const window of windows) {
      for (const f of window.features) {
        if (wanted.size > 0 && !wanted.has(f.feature)) {
          continue;
        }
        const entry = series.get(f.feature) ?? { times: [], values: [], applies: false };
        const value = f[field];
        entry.times.push(window.ts);
        entry.values.push(value);
        entry.applies ||= value !== null;
        series.set(f.feature, entry);
      }
    }
    for (const [feature, entry] of series) {
      if (!entry.applies) {
        continue;
      }
      frames.push(
        createDataFrame({
          refId,
          name: `${prefix}${feature}`,
          fields: [
            { name: 'Time', type: FieldType.time, values: entry.times },
            {
              name: field,
              type: FieldType.number,
              values: entry.values,
              labels: { model, version, feature },
              config:
                field === 'meanShiftSigmas'
                  ? { decimals: 2, min: 0, displayNameFromDS: `${prefix}${feature}` }
                  : { unit: 'percentunit', min: 0, max: 1, displayNameFromDS: `${prefix}${feature}` },
            },
          ],
        })
      );
    }
  }
  return frames;
}
