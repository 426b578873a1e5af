import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import type { AuditEntry } from '@modelwatch/plugin-api';

/** Colours per kind of entry, so deployments, rollbacks, retrains and alerts differ on a graph. */
const TYPE_COLORS: Record<string, string> = {
  promote: 'green',
  deploy: 'green',
  register: 'blue',
  rollback: 'red',
  retrain: 'purple',
  alert: 'orange',
};

export function auditTitle(entry: AuditEntry): string {
  const model = entry.model ? `${entry.model}: ` : '';
  const change =
    entry.fromVersion && entry.toVersion
      ? ` ${entry.fromVersion} → ${entry.toVersion}`
      : entry.toVersion
        ? ` → ${entry.toVersion}`
        : '';
  const status = entry.status && entry.status !== 'succeeded' ? ` (${entry.status})` : '';
  return `${model}${entry.type}${change}${status}`;
}

export function auditText(entry: AuditEntry): string {
  const parts = [`by ${entry.actor}`];
  if (entry.reason) {
    parts.push(`reason: ${entry.reason}`);
  }
  if (entry.jobId) {
    parts.push(`job ${entry.jobId}`);
  }
  return parts.join(' · ');
}

/**
 * Audit entries as a frame that Grafana reads as annotations (time, title, text, tags, color)
 * and that also shows well as a table.
 */
export function auditFrame(refId: string, entries: AuditEntry[]): DataFrame {
  const sorted = [...entries].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  return createDataFrame({
    refId,
    name: 'audit',
    fields: [
      { name: 'time', type: FieldType.time, values: sorted.map((e) => Date.parse(e.createdAt)) },
      { name: 'title', type: FieldType.string, values: sorted.map(auditTitle) },
      { name: 'text', type: FieldType.string, values: sorted.map(auditText) },
      {
        name: 'tags',
        type: FieldType.other,
        values: sorted.map((e) => ['modelwatch', e.type, ...(e.model ? [e.model] : []), e.status]),
      },
      { name: 'color', type: FieldType.string, values: sorted.map((e) => TYPE_COLORS[e.type] ?? 'gray') },
      { name: 'type', type: FieldType.string, values: sorted.map((e) => e.type) },
      { name: 'model', type: FieldType.string, values: sorted.map((e) => e.model ?? '') },
      { name: 'status', type: FieldType.string, values: sorted.map((e) => e.status) },
      { name: 'actor', type: FieldType.string, values: sorted.map((e) => e.actor) },
      { name: 'id', type: FieldType.string, values: sorted.map((e) => e.id) },
    ],
  });
}
