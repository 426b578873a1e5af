import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { fromJson, toJson } from '../store/database.ts';
import type { ActionResult } from './action-performer.ts';
import type { AlertDeps } from './alert-deps.ts';
import type { Decision, DecisionResultJson, StoredOutcome } from './alert-records.ts';
import type { DecisionRow, IncidentRow } from './alert-store.ts';
import type { Policy } from './policy-schema.ts';
import type { PerformedAction } from './types.ts';

/** Performs a decided action and records what came of it (the decision row, the audit log). */

/** Runs the action; a failure is recorded on the decision (`failed`), never thrown. */
export async function performAction(
  deps: Pick<AlertDeps, 'store' | 'logger' | 'performer'>,
  row: DecisionRow,
  incident: IncidentRow,
  action: PerformedAction,
  model: string,
  policy: Policy | null,
  actor: Actor,
): Promise<DecisionRow> {
  const labels = fromJson<Record<string, string>>(incident.labels, {});
  const annotations = fromJson<Record<string, string>>(incident.annotations, {});
  const summary = annotations.summary ? `: ${annotations.summary}` : '';
  const reason = `alert ${incident.alertname}${summary} (${incident.source} alert ${incident.fingerprint}, firing since ${new Date(Number(incident.starts_at)).toISOString()}, policy ${row.policy ?? 'none'})`.slice(0, 2000);
  // The same key for every attempt on this alert instance: the action service acts once per key.
  const key = `alert-${incident.instance_key.slice(0, 48)}`;
  const options = { labels, retrain: policy?.retrain };
  const { performer } = deps;
  let outcome: StoredOutcome = 'acted';
  let result: DecisionResultJson;
  try {
    const done: ActionResult =
      action === 'retrain'
        ? await performer.retrain(model, reason, actor, key, options)
        : action === 'rollback'
          ? await performer.rollback(model, reason, actor, key, options)
          : await performer.stopExperiment(model, reason, actor, key, options);
    result = compact({ actionId: done.actionId, jobId: done.jobId, status: done.status, details: done.details });
  } catch (error) {
    outcome = 'failed';
    const message = error instanceof DomainError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    if (!(error instanceof DomainError)) deps.logger.error({ err: error, decision: row.id }, 'alert action failed');
    result = { error: message.slice(0, 2000) };
  }
  // The reason says what the action was aimed at (a rollback's target), as the audit entry does.
  const aimed = result.details?.target?.decision;
  const update = { outcome, result: toJson(result), ...(aimed ? { reason: `${row.reason}; ${aimed}`.slice(0, 2000) } : {}) };
  await deps.store.updateDecision(row.id, update);
  return { ...row, ...update };
}

export async function auditDecision(
  { audit }: Pick<AlertDeps, 'audit'>,
  decision: Decision,
  incident: IncidentRow,
  actor: Actor,
  type = 'alert.decision',
  note?: string,
): Promise<void> {
  await audit.record({
    type,
    status: decision.outcome,
    model: decision.model,
    actor,
    reason: decision.reason,
    jobId: decision.jobId,
    details: {
      decisionId: decision.id,
      incidentId: incident.id,
      action: decision.action,
      policy: decision.policy,
      mode: decision.mode,
      alertname: incident.alertname,
      fingerprint: incident.fingerprint,
      startsAt: new Date(Number(incident.starts_at)).toISOString(),
      source: incident.source,
      labels: fromJson(incident.labels, {}),
      ...(decision.actionId ? { actionId: decision.actionId } : {}),
      ...(decision.target ? { target: decision.target } : {}),
      ...(decision.error ? { error: decision.error } : {}),
      ...(note ? { note } : {}),
    },
  });
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
