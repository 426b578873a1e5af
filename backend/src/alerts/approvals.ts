import type { Actor } from '../auth/roles.ts';
import { conflict, notFound } from '../core/errors.ts';
import type { AlertDeps } from './alert-deps.ts';
import { toDecision, toIncident, type Decision, type Incident } from './alert-records.ts';
import { auditDecision, performAction } from './perform-action.ts';
import { policyNamed } from './policies.ts';
import type { PerformedAction } from './types.ts';

/** Actions an approval policy holds back: list them, approve one (it acts), reject one (it never does). */

export async function listPending({ store }: Pick<AlertDeps, 'store'>): Promise<Array<Decision & { incident: Incident }>> {
  const rows = await store.pendingDecisions();
  const incidents = await store.incidentsById(rows.map((r) => r.incident_id));
  return rows.flatMap((row) => {
    const incident = incidents.get(row.incident_id);
    const decision = toDecision(row);
    return incident ? [{ ...decision, incident: toIncident(incident, decision) }] : [];
  });
}

export async function approvePending(deps: AlertDeps, id: string, actor: Actor, note?: string): Promise<Decision> {
  const { row, incident } = await claimPending(deps, id, actor, 'acting', note);
  const policy = await policyNamed(deps.store, row.policy);
  const acted = await performAction(deps, row, incident, row.action as PerformedAction, row.model!, policy, actor);
  const decision = toDecision(acted);
  await auditDecision(deps, decision, incident, actor, 'alert.approved', note);
  return decision;
}

export async function rejectPending(deps: AlertDeps, id: string, actor: Actor, note?: string): Promise<Decision> {
  const { row, incident } = await claimPending(deps, id, actor, 'rejected', note);
  const decision = toDecision(row);
  await auditDecision(deps, decision, incident, actor, 'alert.rejected', note);
  return decision;
}

/** Takes the pending decision out of `pending`, once: a second approve or reject is a conflict. */
function claimPending({ store, clock }: Pick<AlertDeps, 'store' | 'clock'>, id: string, actor: Actor, outcome: 'acting' | 'rejected', note: string | undefined) {
  return store.serialize(async (q) => {
    const row = await q.decision(id);
    if (!row) throw notFound(`pending action "${id}" not found; list them with GET /api/v1/policies/pending`);
    if (row.outcome !== 'pending') throw conflict(`action "${id}" is not pending (it is ${row.outcome}); it was decided already`);
    const now = clock.now();
    const reason = note ? `${row.reason}; ${outcome === 'rejected' ? 'rejected' : 'approved'} by ${actor.name}: ${note}` : row.reason;
    const update = { outcome, decided_by: actor.name, decided_at: now, acted_at: outcome === 'acting' ? now : null, reason };
    await q.updateDecision(id, update);
    const incident = await q.incident(row.incident_id);
    if (!incident) throw new Error(`decision "${id}" has no incident "${row.incident_id}"`);
    return { row: { ...row, ...update }, incident };
  });
}
