import { createHash, randomUUID } from 'node:crypto';
import { toJson } from '../store/database.ts';
import type { AlertResult, Decision } from './alert-records.ts';
import type { IncidentRow } from './alert-store.ts';
import type { AlertNotification, NormalizedAlert } from './types.ts';

/** One alert instance: its key, its incident row when first seen, and its entry in the webhook reply. */

/** SHA-256 of (source, group key, fingerprint, startsAt): one alert instance. */
export function instanceKey(notification: AlertNotification, alert: NormalizedAlert): string {
  return createHash('sha256').update(JSON.stringify([notification.source, notification.groupKey, alert.fingerprint, alert.startsAt])).digest('hex');
}

export function newIncident(notification: AlertNotification, alert: NormalizedAlert, key: string, now: number): IncidentRow {
  return {
    id: randomUUID(),
    instance_key: key,
    source: notification.source,
    receiver: notification.receiver || null,
    group_key: notification.groupKey,
    fingerprint: alert.fingerprint,
    alertname: alert.labels.alertname ?? alert.labels.__alert_rule_title__ ?? '(unnamed)',
    model: alert.labels.model || null,
    severity: alert.labels.severity || null,
    status: 'firing',
    labels: toJson(alert.labels),
    annotations: toJson(alert.annotations),
    starts_at: alert.startsAt,
    ends_at: null,
    deliveries: 1,
    created_at: now,
    updated_at: now,
  };
}

export function resultFor(
  incident: IncidentRow,
  alert: NormalizedAlert,
  outcome: AlertResult['outcome'],
  decision: Decision | null,
  overrides: { reason?: string },
): AlertResult {
  return {
    fingerprint: alert.fingerprint,
    alertname: incident.alertname,
    model: incident.model,
    status: alert.status,
    outcome,
    action: decision?.action ?? 'none',
    policy: decision?.policy ?? null,
    reason: overrides.reason ?? decision?.reason ?? '',
    incidentId: incident.id,
    decisionId: decision?.id ?? null,
    actionId: decision?.actionId ?? null,
    jobId: decision?.jobId ?? null,
    target: decision?.target ?? null,
  };
}
