import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict, DomainError, notFound } from '../core/errors.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { AlertDecisionsTable, AlertIncidentsTable, Database } from '../store/schema.ts';
import type { ActionPerformer, ActionResult } from './action-performer.ts';
import {
  toDecision,
  toIncident,
  type AlertResult,
  type Decision,
  type DecisionResultJson,
  type Incident,
  type StoredOutcome,
} from './alert-records.ts';
import { decide, historyWindowMs, type PastAction, type PolicyDecision } from './policy-engine.ts';
import {
  defaultPolicyDocument,
  policyDocumentInputSchema,
  policyToOutput,
  type Policy,
  type PolicyDocument,
} from './policy-schema.ts';
import type { AlertNotification, NormalizedAlert, PerformedAction, PolicyAction } from './types.ts';

type Db = Kysely<Database>;
type IncidentRow = Selectable<AlertIncidentsTable>;
type DecisionRow = Selectable<AlertDecisionsTable>;

/** Arbitrary constant: the PostgreSQL advisory lock that serializes alert decisions across replicas. */
const DECISION_LOCK = 7_050_001;
const POLICY_ROW = 'current';
/** Outcomes that count for cooldowns and rate limits (something was done or waits for a yes). */
const countingOutcomes: StoredOutcome[] = ['acting', 'acted', 'pending', 'dry_run'];

export interface IncidentQuery {
  model?: string | undefined;
  status?: 'firing' | 'resolved' | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  limit?: number | undefined;
}

export interface PolicyView {
  document: PolicyDocument;
  isDefault: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** SHA-256 of (source, group key, fingerprint, startsAt): one alert instance. */
export function instanceKey(source: string, groupKey: string, alert: NormalizedAlert): string {
  return createHash('sha256').update(JSON.stringify([source, groupKey, alert.fingerprint, alert.startsAt])).digest('hex');
}

/**
 * Alerts in, decisions and actions out. Every firing alert instance is decided once: its
 * incident row (unique instance key) is what makes a repeated delivery a no-op. Decisions
 * are serialized (in-process, and with an advisory lock on PostgreSQL) so cooldowns and
 * rate limits hold under concurrent deliveries; the action itself runs after the decision
 * is committed as `acting`, which already counts for the next decision.
 */
export class AlertService {
  private readonly store: Store;
  private readonly audit: AuditLog;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private performer: ActionPerformer;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly notifications: Counter<'source' | 'status'>;
  private readonly decisions: Counter<'action' | 'outcome'>;

  constructor(deps: { store: Store; audit: AuditLog; logger: Logger; clock: Clock; registry: Registry; performer: ActionPerformer }) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.logger = deps.logger;
    this.performer = deps.performer;
    this.notifications = new Counter({
      name: 'modelwatch_alert_notifications_total',
      help: 'Alert webhook deliveries accepted, by sender and notification status.',
      labelNames: ['source', 'status'] as const,
      registers: [deps.registry],
    });
    this.decisions = new Counter({
      name: 'modelwatch_alert_decisions_total',
      help: 'Policy decisions on alert instances, by action and outcome (duplicate deliveries included).',
      labelNames: ['action', 'outcome'] as const,
      registers: [deps.registry],
    });
  }

  /** Replaces what acts (server.ts wires the real services; tests a recording one). */
  setPerformer(performer: ActionPerformer): void {
    this.performer = performer;
  }

  // ---------------------------------------------------------------- policies

  async policies(): Promise<PolicyView> {
    const row = await this.store.db.selectFrom('alert_policies').selectAll().where('id', '=', POLICY_ROW).executeTakeFirst();
    if (!row) return { document: defaultPolicyDocument(), isDefault: true, updatedAt: null, updatedBy: null };
    return {
      document: policyDocumentInputSchema.parse(fromJson(row.document, {})),
      isDefault: false,
      updatedAt: new Date(Number(row.updated_at)).toISOString(),
      updatedBy: row.updated_by,
    };
  }

  async setPolicies(document: PolicyDocument, actor: Actor): Promise<PolicyView> {
    const now = this.clock.now();
    // Stored in input form (durations in ms) so that parsing it again gives the same document.
    const stored = toJson(document);
    await this.store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_policies').where('id', '=', POLICY_ROW).execute();
      await trx.insertInto('alert_policies').values({ id: POLICY_ROW, document: stored, updated_at: now, updated_by: actor.name }).execute();
      await this.audit.record(
        {
          type: 'policies.updated',
          actor,
          reason: `${document.policies.length} policies${document.dryRun ? ', dry run' : ''}`,
          details: { dryRun: document.dryRun, maxActionsPerHour: document.maxActionsPerHour, policies: document.policies.map(policyToOutput) },
        },
        trx,
      );
    });
    return this.policies();
  }

  async resetPolicies(actor: Actor): Promise<PolicyView> {
    await this.store.db.deleteFrom('alert_policies').where('id', '=', POLICY_ROW).execute();
    await this.audit.record({ type: 'policies.reset', actor, reason: 'back to the default policy' });
    return this.policies();
  }

  // ---------------------------------------------------------------- webhooks

  /** Handles one delivery; the reply lists what was decided for each alert. */
  async receive(notification: AlertNotification, caller: Actor): Promise<AlertResult[]> {
    this.notifications.inc({ source: notification.source, status: notification.status });
    const results: AlertResult[] = [];
    for (const alert of notification.alerts) {
      const result = alert.status === 'resolved' ? await this.resolve(notification, alert) : await this.fire(notification, alert);
      this.decisions.inc({ action: result.action, outcome: result.outcome });
      results.push(result);
    }
    await this.audit.record({
      type: 'webhook.received',
      status: notification.status,
      model: uniqueModel(notification.alerts),
      actor: caller,
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

  private async fire(notification: AlertNotification, alert: NormalizedAlert): Promise<AlertResult> {
    const key = instanceKey(notification.source, notification.groupKey, alert);
    const now = this.clock.now();
    const planned = await this.serialize(async (db) => {
      const existing = await db.selectFrom('alert_incidents').selectAll().where('instance_key', '=', key).executeTakeFirst();
      let incident: IncidentRow;
      if (existing) {
        await db
          .updateTable('alert_incidents')
          .set({ deliveries: Number(existing.deliveries) + 1, updated_at: now })
          .where('id', '=', existing.id)
          .execute();
        const last = await latestDecision(db, existing.id);
        // A repeated delivery acts only if the first attempt failed (nothing was done then).
        if (existing.status === 'resolved' || (last && last.outcome !== 'failed')) {
          return { kind: 'duplicate' as const, incident: existing, last };
        }
        incident = existing;
      } else {
        incident = newIncident(notification, alert, key, now);
        await db.insertInto('alert_incidents').values(incident).execute();
      }
      const document = await this.loadPolicies(db);
      const history = await recentActions(db, now - historyWindowMs(document));
      const decision = decide(alert.labels, document, history, now);
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
      };
      await db.insertInto('alert_decisions').values(row).execute();
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
    if (decision.outcome === 'act' && decision.policy && decision.model) {
      row = await this.perform(row, incident, decision.action as PerformedAction, decision.model, decision.policy, policyActor(decision.policy));
    }
    const final = toDecision(row);
    await this.auditDecision(final, incident, policyActor(decision.policy));
    return resultFor(incident, alert, final.outcome, final, {});
  }

  private async resolve(notification: AlertNotification, alert: NormalizedAlert): Promise<AlertResult> {
    const key = instanceKey(notification.source, notification.groupKey, alert);
    const now = this.clock.now();
    const { incident, changed, last } = await this.serialize(async (db) => {
      const existing = await db.selectFrom('alert_incidents').selectAll().where('instance_key', '=', key).executeTakeFirst();
      if (!existing) {
        // Resolved before we saw it fire (or the firing delivery was lost): record, never act.
        const created = { ...newIncident(notification, alert, key, now), status: 'resolved', ends_at: alert.endsAt ?? now };
        await db.insertInto('alert_incidents').values(created).execute();
        return { incident: created, changed: true, last: undefined };
      }
      const update = {
        deliveries: Number(existing.deliveries) + 1,
        updated_at: now,
        status: 'resolved',
        ends_at: existing.ends_at ?? alert.endsAt ?? now,
      };
      await db.updateTable('alert_incidents').set(update).where('id', '=', existing.id).execute();
      return { incident: { ...existing, ...update }, changed: existing.status !== 'resolved', last: await latestDecision(db, existing.id) };
    });
    if (changed) {
      await this.audit.record({
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

  // ---------------------------------------------------------------- approvals

  async listPending(): Promise<Array<Decision & { incident: Incident }>> {
    const rows = await this.store.db
      .selectFrom('alert_decisions')
      .selectAll()
      .where('outcome', '=', 'pending')
      .orderBy('created_at', 'desc')
      .limit(1000)
      .execute();
    const incidents = await this.incidentsById(rows.map((r) => r.incident_id));
    return rows.flatMap((row) => {
      const incident = incidents.get(row.incident_id);
      const decision = toDecision(row);
      return incident ? [{ ...decision, incident: toIncident(incident, decision) }] : [];
    });
  }

  async approve(id: string, actor: Actor, note?: string): Promise<Decision> {
    const { row, incident } = await this.claimPending(id, actor, 'acting', note);
    const policy = await this.policyNamed(row.policy);
    const acted = await this.perform(row, incident, row.action as PerformedAction, row.model!, policy, actor);
    const decision = toDecision(acted);
    await this.auditDecision(decision, incident, actor, 'alert.approved', note);
    return decision;
  }

  async reject(id: string, actor: Actor, note?: string): Promise<Decision> {
    const { row, incident } = await this.claimPending(id, actor, 'rejected', note);
    const decision = toDecision(row);
    await this.auditDecision(decision, incident, actor, 'alert.rejected', note);
    return decision;
  }

  private async claimPending(id: string, actor: Actor, outcome: 'acting' | 'rejected', note: string | undefined) {
    return this.serialize(async (db) => {
      const row = await db.selectFrom('alert_decisions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(`pending action "${id}" not found; list them with GET /api/v1/policies/pending`);
      if (row.outcome !== 'pending') throw conflict(`action "${id}" is not pending (it is ${row.outcome}); it was decided already`);
      const now = this.clock.now();
      const reason = note ? `${row.reason}; ${outcome === 'rejected' ? 'rejected' : 'approved'} by ${actor.name}: ${note}` : row.reason;
      const update = { outcome, decided_by: actor.name, decided_at: now, acted_at: outcome === 'acting' ? now : null, reason };
      await db.updateTable('alert_decisions').set(update).where('id', '=', id).execute();
      const incident = await db.selectFrom('alert_incidents').selectAll().where('id', '=', row.incident_id).executeTakeFirstOrThrow();
      return { row: { ...row, ...update }, incident };
    });
  }

  // ---------------------------------------------------------------- incidents

  async listIncidents(query: IncidentQuery = {}): Promise<Incident[]> {
    let q = this.store.db.selectFrom('alert_incidents').selectAll();
    if (query.model) q = q.where('model', '=', query.model);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.fromMs !== undefined) q = q.where('created_at', '>=', query.fromMs);
    if (query.toMs !== undefined) q = q.where('created_at', '<=', query.toMs);
    const rows = await q
      .orderBy('created_at', 'desc')
      .limit(query.limit ?? 500)
      .execute();
    const decisions = await this.latestDecisions(rows.map((r) => r.id));
    return rows.map((row) => toIncident(row, decisions.get(row.id) ?? null));
  }

  async getIncident(id: string): Promise<Incident & { decisions: Decision[] }> {
    const row = await this.store.db.selectFrom('alert_incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`incident "${id}" not found; list them with GET /api/v1/incidents`);
    const decisions = (
      await this.store.db.selectFrom('alert_decisions').selectAll().where('incident_id', '=', id).orderBy('created_at').execute()
    ).map(toDecision);
    return { ...toIncident(row, decisions.at(-1) ?? null), decisions };
  }

  // ---------------------------------------------------------------- internals

  private async perform(
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
    let outcome: StoredOutcome = 'acted';
    let result: DecisionResultJson;
    try {
      const done: ActionResult =
        action === 'retrain'
          ? await this.performer.retrain(model, reason, actor, key, options)
          : action === 'rollback'
            ? await this.performer.rollback(model, reason, actor, key, options)
            : await this.performer.stopExperiment(model, reason, actor, key, options);
      result = compact({ actionId: done.actionId, jobId: done.jobId, status: done.status, details: done.details });
    } catch (error) {
      outcome = 'failed';
      const message = error instanceof DomainError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
      if (!(error instanceof DomainError)) this.logger.error({ err: error, decision: row.id }, 'alert action failed');
      result = { error: message.slice(0, 2000) };
    }
    const update = { outcome, result: toJson(result) };
    await this.store.db.updateTable('alert_decisions').set(update).where('id', '=', row.id).execute();
    return { ...row, ...update };
  }

  private async auditDecision(decision: Decision, incident: IncidentRow, actor: Actor, type = 'alert.decision', note?: string) {
    await this.audit.record({
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
        ...(decision.error ? { error: decision.error } : {}),
        ...(note ? { note } : {}),
      },
    });
  }

  private async loadPolicies(db: Db): Promise<PolicyDocument> {
    const row = await db.selectFrom('alert_policies').select('document').where('id', '=', POLICY_ROW).executeTakeFirst();
    return row ? policyDocumentInputSchema.parse(fromJson(row.document, {})) : defaultPolicyDocument();
  }

  private async policyNamed(name: string | null): Promise<Policy | null> {
    if (!name) return null;
    return (await this.policies()).document.policies.find((p) => p.name === name) ?? null;
  }

  private async incidentsById(ids: string[]): Promise<Map<string, IncidentRow>> {
    if (!ids.length) return new Map();
    const rows = await this.store.db.selectFrom('alert_incidents').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async latestDecisions(incidentIds: string[]): Promise<Map<string, Decision>> {
    const latest = new Map<string, Decision>();
    if (!incidentIds.length) return latest;
    const rows = await this.store.db
      .selectFrom('alert_decisions')
      .selectAll()
      .where('incident_id', 'in', incidentIds)
      .orderBy('created_at')
      .execute();
    for (const row of rows) latest.set(row.incident_id, toDecision(row));
    return latest;
  }

  /** One decision at a time: in this process, and across replicas on PostgreSQL. */
  private serialize<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const run = () =>
      this.store.db.transaction().execute(async (trx) => {
        if (this.store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${DECISION_LOCK})`.execute(trx);
        return fn(trx);
      });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

const policyActor = (policy: Policy | null): Actor => ({ name: `policy:${policy?.name ?? 'none'}`, role: 'admin' });

function uniqueModel(alerts: NormalizedAlert[]): string | null {
  const models = new Set(alerts.map((a) => a.labels.model).filter(Boolean));
  return models.size === 1 ? [...models][0]! : null;
}

function newIncident(notification: AlertNotification, alert: NormalizedAlert, key: string, now: number): IncidentRow {
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

async function latestDecision(db: Db, incidentId: string): Promise<DecisionRow | undefined> {
  return db
    .selectFrom('alert_decisions')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

async function recentActions(db: Db, since: number): Promise<PastAction[]> {
  const rows = await db
    .selectFrom('alert_decisions')
    .select(['model', 'action', 'policy', 'outcome', 'created_at', 'acted_at'])
    .where('outcome', 'in', countingOutcomes)
    .where((eb) => eb.or([eb('created_at', '>=', since), eb('acted_at', '>=', since)]))
    .execute();
  return rows.map((r) => ({
    model: r.model,
    action: r.action as PolicyAction,
    policy: r.policy,
    at: Number(r.acted_at ?? r.created_at),
    dryRun: r.outcome === 'dry_run',
  }));
}

function resultFor(
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
  };
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export type { PolicyDecision };
