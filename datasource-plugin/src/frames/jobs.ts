import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import type { Job } from '@modelwatch/plugin-api';

function toMs(time?: string | null): number | null {
  if (!time) {
    return null;
  }
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}

/** A table of jobs, newest first: status, progress (0..1, percent) and the version it produced. */
export function jobsFrame(refId: string, jobs: Job[]): DataFrame {
  const sorted = [...jobs].sort((a, b) => (toMs(b.createdAt) ?? 0) - (toMs(a.createdAt) ?? 0));
  return createDataFrame({
    refId,
    name: 'jobs',
    fields: [
      { name: 'created', type: FieldType.time, values: sorted.map((j) => toMs(j.createdAt)) },
      { name: 'id', type: FieldType.string, values: sorted.map((j) => j.id) },
      { name: 'model', type: FieldType.string, values: sorted.map((j) => j.model ?? '') },
      { name: 'type', type: FieldType.string, values: sorted.map((j) => j.type ?? '') },
      { name: 'status', type: FieldType.string, values: sorted.map((j) => j.status) },
      {
        name: 'progress',
        type: FieldType.number,
        values: sorted.map((j) => j.progress),
        config: { unit: 'percentunit', min: 0, max: 1 },
      },
      { name: 'producedVersion', type: FieldType.string, values: sorted.map((j) => j.producedVersion ?? '') },
      { name: 'finished', type: FieldType.time, values: sorted.map((j) => toMs(j.finishedAt)) },
    ],
    meta: { preferredVisualisationType: 'table' },
  });
}
