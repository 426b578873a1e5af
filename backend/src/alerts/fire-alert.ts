import { randomUUID } from 'node:crypto';
import type { AlertDeps } from './alert-deps.ts';
import { instanceKey, newIncident, resultFor } from './alert-instance.ts';
import { toDecision, type AlertResult } from './alert-records.ts';
import type { DecisionRow, IncidentRow } from './alert-store.ts';
import { automationActor, automationDenied, type AlertSender } from './automation-rights.ts';
import { auditDecision, performAction } from './perform-action.ts';
import { policiesInForce } from './policies.ts';
import { decide, historyWindowMs, type PastAction } from './policy-engine.ts';
import { isPerformedAction } from './policy-schema.ts';
import type { AlertNotification, NormalizedAlert } from './types.ts';

/**
 * A firing alert: decided once per alert instance by the policy engine. The incident row
 * (unique instance key) is what makes a repeated delivery a no-op. The decision is taken
 * under the store's serialization and committed (as `acting` when it acts, which already
 * counts for the next decision) before the action runs.
 */
export async function fireAlert(deps: AlertDeps, notification: AlertNotification, alert: NormalizedAlert, sender: AlertSender): Promise<AlertResult> {
  const key = instanceKey(notification, alert);
  const now = deps.clock.now();
  // Read before the serialized section (a jobs read inside it would queue behind it): a
  // retrain queued by a schedule, a volume trigger or a person holds the policy's cooldown too.
  const model = alert.labels.model;
  const lastRetrain = model ? await deps.performer.lastRetrain(model) : null;
  const external: PastAction[] =
    model && lastRetrain !== null ? [{ model, action: 'retrain', policy: null, at: lastRetrain.at, dryRun: false, external: true, inFlight: lastRetrain.inFlight }] : [];
  const planned = await deps.store.serialize(async (q) => {
    const existing = await q.incidentByKey(key);
    let incident: IncidentRow;
    if (existing) {
      await q.updateIncident(existing.id, { deliveries: Number(existing.deliveries) + 1, updated_at: now });
      const last = await q.latestDecision(existing.id);
      // A repeated delivery acts only if the first attempt failed (nothing was done then).
      if (existing.status === 'resolved' || (last && last.outcome !== 'failed')) {
        return { kind: 'duplicate' as const, incident: existing, last };
      }
      incident = existing;
    } else {
      incident = newIncident(notification, alert, key, now);
      await q.insertIncident(incident);
    }
    const document = await policiesInForce(q);
    const history = [...(await q.recentActions(now - historyWindowMs(document))), ...external];
    const decided = decide(alert.labels, document, history, now, sender.credential);
    // The sender's rights bound what the policy may do on its own (alerts/automation-rights.ts).
    const denied = decided.outcome === 'act' && isPerformedAction(decided.action) ? automationDenied(sender, decided.action, alert.labels) : null;
    const decision = denied ? { ...decided, outcome: 'pending' as const, reason: `${denied}; an admin approves it at POST /api/v1/policies/pending/{id}/approve` } : decided;
    const row: DecisionRow = {
      id: randomUUID(),
      incident_id: incident.id,
      created_at: now,
      model: decision.model,
      action: decision.action,
      policy: decision.policy?.name ?? null,
      mode: decision.mode,
      outcome: decision.outcome === 'act' ? 'acting' : decision.outcome,
      reason: decision.reason,
      acted_at: decision.outcome === 'act' ? now : null,
      decided_by: null,
      decided_at: null,
      result: '{}',
      sender: sender.credential,
    };
    await q.insertDecision(row);
    return { kind: 'decided' as const, incident, row, decision };
  });

  if (planned.kind === 'duplicate') {
    const last = planned.last ? toDecision(planned.last) : null;
    return resultFor(planned.incident, alert, 'duplicate', last, {
      reason:
        planned.incident.status === 'resolved'
          ? 'this alert instance is already resolved; nothing to do'
          : `repeated delivery of an alert instance already decided (${last?.outcome ?? 'no decision'}); not acting again`,
    });
  }

  let { row } = planned;
  const { decision, incident } = planned;
  if (decision.outcome === 'act' && decision.policy && decision.model && isPerformedAction(decision.action)) {
    row = await performAction(deps, row, incident, decision.action, decision.model, decision.policy, automationActor(decision.policy.name, sender));
  }
  const final = toDecision(row);
  await auditDecision(deps, final, incident, automationActor(decision.policy?.name ?? null, sender));
  return resultFor(incident, alert, final.outcome, final, {});
}
