import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AlertNotification, AlertSource, NormalizedAlert } from './types.ts';

/**
 * Webhook payloads: Grafana alerting's webhook contact point (version "1") and Prometheus
 * Alertmanager's webhook receiver (version "4"). Both share the Alertmanager alert shape;
 * unknown fields are allowed (senders add fields over time), missing required ones are a 400.
 */

const status = z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' });

const rfc3339 = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected an RFC 3339 time');

const labelSet = z.record(z.string(), z.string({ error: 'label values must be strings' }));

const alertSchema = z.looseObject({
  status,
  labels: labelSet.refine((labels) => Object.keys(labels).length > 0, 'an alert needs at least one label'),
  annotations: labelSet.optional(),
  startsAt: rfc3339,
  endsAt: rfc3339.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  values: z.record(z.string(), z.unknown()).nullable().optional(),
});

const commonFields = {
  receiver: z.string().optional(),
  status,
  alerts: z.array(alertSchema).min(1, 'expected at least one alert').max(10_000, 'at most 10,000 alerts per notification'),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().optional(),
};

export const grafanaPayloadSchema = z
  .looseObject({
    ...commonFields,
    version: z.string().optional(),
    groupKey: z.string().optional(),
    orgId: z.number().optional(),
    title: z.string().optional(),
    state: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'GrafanaWebhookPayload', description: 'Grafana alerting webhook contact point payload' });

export const alertmanagerPayloadSchema = z
  .looseObject({
    ...commonFields,
    version: z.literal('4', { error: 'expected Alertmanager webhook payload version "4"' }),
    groupKey: z.string().min(1, 'must not be empty'),
  })
  .meta({ id: 'AlertmanagerWebhookPayload', description: 'Prometheus Alertmanager webhook payload, version 4' });

export type GrafanaPayload = z.output<typeof grafanaPayloadSchema>;
export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

/** Alertmanager's zero time ("0001-01-01T00:00:00Z") means "not ended". */
const endTime = (value: string | undefined): number | null => {
  if (!value) return null;
  const ms = Date.parse(value);
  return ms > 0 ? ms : null;
};

/** When a sender omits the fingerprint, the sorted label set identifies the alert. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0000${labels[name]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function normalizeNotification(source: AlertSource, payload: GrafanaPayload | AlertmanagerPayload): AlertNotification {
  const alerts: NormalizedAlert[] = payload.alerts.map((alert) => ({
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations ?? {},
    startsAt: Date.parse(alert.startsAt),
    endsAt: endTime(alert.endsAt),
    fingerprint: alert.fingerprint || labelsFingerprint(alert.labels),
    generatorURL: alert.generatorURL ?? null,
    values: alert.values ?? null,
  }));
  return {
    source,
    receiver: payload.receiver ?? '',
    status: payload.status,
    // Grafana always sends a group key; a hand-made payload may not: the group labels stand in.
    groupKey: payload.groupKey || JSON.stringify(payload.groupLabels ?? {}),
    externalURL: payload.externalURL ?? null,
    alerts,
  };
}
