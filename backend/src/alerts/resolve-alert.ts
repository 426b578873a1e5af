import type { AlertDeps } from './alert-deps.ts';
import { instanceKey, newIncident, resultFor } from './alert-instance.ts';
import { toDecision, type AlertResult } from './alert-records.ts';
import type { AlertNotification, NormalizedAlert } from './types.ts';

/** A resolved alert closes its incident; it never acts. */
export async function resolveAlert(
  deps: Pick<AlertDeps, 'store' | 'audit' | 'clock'>,
  notification: AlertNotification,
  alert: NormalizedAlert,
): Promise<AlertResult> {
  const key = instanceKey(notification, alert);
  const now = deps.clock.now();
  const { incident, changed, last } = await deps.store.serialize(async (q) => {
    const existing = await q.incidentByKey(key);
    if (!existing) {
      // Resolved before we saw it fire (or the firing delivery was lost): record, never act.
      const created = { ...newIncident(notification, alert, key, now), status: 'resolved', ends_at: alert.endsAt ?? now };
      await q.insertIncident(created);
      return { incident: created, changed: true, last: undefined };
    }
    const update = {
      deliveries: Number(existing.deliveries) + 1,
      updated_at: now,
      status: 'resolved',
      ends_at: existing.ends_at ?? alert.endsAt ?? now,
    };
    await q.updateIncident(existing.id, update);
    return { incident: { ...existing, ...update }, changed: existing.status !== 'resolved', last: await q.latestDecision(existing.id) };
  });
  if (changed) {
    await deps.audit.record({
      type: 'alert.resolved',
      status: 'resolved',
      model: incident.model,
      actor: `webhook:${notification.source}`,
      reason: `${incident.alertname} resolved`,
      details: { incidentId: incident.id, fingerprint: incident.fingerprint, labels: alert.labels, source: notification.source },
    });
  }
  return resultFor(incident, alert, changed ? 'resolved' : 'duplicate', last ? toDecision(last) : null, {
    reason: changed ? 'alert resolved: incident closed, no action' : 'repeated resolved notification',
  });
}
