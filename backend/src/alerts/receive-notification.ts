import type { AlertDeps } from './alert-deps.ts';
import type { AlertResult } from './alert-records.ts';
import type { AlertSender } from './automation-rights.ts';
import { fireAlert } from './fire-alert.ts';
import { resolveAlert } from './resolve-alert.ts';
import type { AlertNotification, NormalizedAlert } from './types.ts';

/**
 * One webhook delivery, from Grafana or Alertmanager (the route has normalized either
 * sender's payload): each alert fired or resolved, then one audit entry for the delivery.
 * The reply lists what was decided for each alert.
 */
export async function receiveNotification(deps: AlertDeps, notification: AlertNotification, sender: AlertSender): Promise<AlertResult[]> {
  deps.metrics.notifications.inc({ source: notification.source, status: notification.status });
  const results: AlertResult[] = [];
  for (const alert of notification.alerts) {
    const result = alert.status === 'resolved' ? await resolveAlert(deps, notification, alert) : await fireAlert(deps, notification, alert, sender);
    deps.metrics.decisions.inc({ action: result.action, outcome: result.outcome });
    results.push(result);
  }
  await deps.audit.record({
    type: 'webhook.received',
    status: notification.status,
    model: uniqueModel(notification.alerts),
    actor: sender.actor,
    reason: `${notification.source} notification, ${notification.alerts.length} alert(s)`,
    details: {
      source: notification.source,
      receiver: notification.receiver,
      groupKey: notification.groupKey,
      alerts: results.slice(0, 100).map((r) => ({
        alertname: r.alertname,
        model: r.model,
        fingerprint: r.fingerprint,
        status: r.status,
        outcome: r.outcome,
        incidentId: r.incidentId,
      })),
    },
  });
  return results;
}

function uniqueModel(alerts: NormalizedAlert[]): string | null {
  const models = new Set(alerts.map((a) => a.labels.model).filter(Boolean));
  return models.size === 1 ? [...models][0]! : null;
}
