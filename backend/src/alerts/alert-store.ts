import { sql, type Kysely, type Selectable } from 'kysely';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { AlertDecisionsTable, AlertIncidentsTable, Database } from '../store/schema.ts';
import type { StoredOutcome } from './alert-records.ts';
import type { PastAction } from './policy-engine.ts';
import { policyDocumentInputSchema, type PolicyDocument } from './policy-schema.ts';
import type { PolicyAction } from './types.ts';

/**
 * The alerts' SQL, all of it: incidents (one row per alert instance), the decisions on them,
 * and the policy document. No business rules here.
 */

type Db = Kysely<Database>;
export type IncidentRow = Selectable<AlertIncidentsTable>;
export type DecisionRow = Selectable<AlertDecisionsTable>;

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

export interface StoredPolicies {
  document: PolicyDocument;
  updatedAt: number;
  updatedBy: string;
}

/** The queries, over the store or over one serialized transaction (AlertStore.serialize). */
export class AlertQueries {
  protected readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** The configured policy document; undefined while the default applies. */
  async storedPolicies(): Promise<StoredPolicies | undefined> {
    const row = await this.db.selectFrom('alert_policies').selectAll().where('id', '=', POLICY_ROW).executeTakeFirst();
    if (!row) return undefined;
    return { document: policyDocumentInputSchema.parse(fromJson(row.document, {})), updatedAt: Number(row.updated_at), updatedBy: row.updated_by };
  }

  incidentByKey(instanceKey: string): Promise<IncidentRow | undefined> {
    return this.db.selectFrom('alert_incidents').selectAll().where('instance_key', '=', instanceKey).executeTakeFirst();
  }

  incident(id: string): Promise<IncidentRow | undefined> {
    return this.db.selectFrom('alert_incidents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertIncident(row: IncidentRow): Promise<void> {
    await this.db.insertInto('alert_incidents').values(row).execute();
  }

  async updateIncident(id: string, update: Partial<Omit<IncidentRow, 'id'>>): Promise<void> {
    await this.db.updateTable('alert_incidents').set(update).where('id', '=', id).execute();
  }

  async incidentsById(ids: string[]): Promise<Map<string, IncidentRow>> {
    if (!ids.length) return new Map();
    const rows = await this.db.selectFrom('alert_incidents').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Newest first. */
  listIncidents(query: IncidentQuery): Promise<IncidentRow[]> {
    let q = this.db.selectFrom('alert_incidents').selectAll();
    if (query.model) q = q.where('model', '=', query.model);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.fromMs !== undefined) q = q.where('created_at', '>=', query.fromMs);
    if (query.toMs !== undefined) q = q.where('created_at', '<=', query.toMs);
    return q
      .orderBy('created_at', 'desc')
      .limit(query.limit ?? 500)
      .execute();
  }

  decision(id: string): Promise<DecisionRow | undefined> {
    return this.db.selectFrom('alert_decisions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertDecision(row: DecisionRow): Promise<void> {
    await this.db.insertInto('alert_decisions').values(row).execute();
  }

  async updateDecision(id: string, update: Partial<Omit<DecisionRow, 'id'>>): Promise<void> {
    await this.db.updateTable('alert_decisions').set(update).where('id', '=', id).execute();
  }

  latestDecision(incidentId: string): Promise<DecisionRow | undefined> {
    return this.db
      .selectFrom('alert_decisions')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  /** Oldest first. */
  decisionsOf(incidentId: string): Promise<DecisionRow[]> {
    return this.db.selectFrom('alert_decisions').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').execute();
  }

  /** The latest decision of each incident that has one. */
  async latestDecisions(incidentIds: string[]): Promise<Map<string, DecisionRow>> {
    const latest = new Map<string, DecisionRow>();
    if (!incidentIds.length) return latest;
    const rows = await this.db
      .selectFrom('alert_decisions')
      .selectAll()
      .where('incident_id', 'in', incidentIds)
      .orderBy('created_at')
      .execute();
    for (const row of rows) latest.set(row.incident_id, row);
    return latest;
  }

  /** Newest first, at most 1000. */
  pendingDecisions(): Promise<DecisionRow[]> {
    return this.db.selectFrom('alert_decisions').selectAll().where('outcome', '=', 'pending').orderBy('created_at', 'desc').limit(1000).execute();
  }

  /** What counts for cooldowns and rate limits: decided, or acted, since `since`. */
  async recentActions(since: number): Promise<PastAction[]> {
    const rows = await this.db
      .selectFrom('alert_decisions as d')
      .leftJoin('alert_incidents as i', 'i.id', 'd.incident_id')
      .select(['d.model', 'd.action', 'd.policy', 'd.mode', 'd.outcome', 'd.created_at', 'd.acted_at', 'd.sender', 'i.labels'])
      .where('d.outcome', 'in', countingOutcomes)
      .where((eb) => eb.or([eb('d.created_at', '>=', since), eb('d.acted_at', '>=', since)]))
      .execute();
    return rows.map((r) => ({
      model: r.model,
      action: r.action as PolicyAction,
      policy: r.policy,
      at: Number(r.acted_at ?? r.created_at),
      dryRun: r.outcome === 'dry_run',
      sender: r.sender,
      heldForRights: r.outcome === 'pending' && r.mode !== 'approval',
      version: fromJson<Record<string, string>>(r.labels, {}).version || null,
    }));
  }
}

export class AlertStore extends AlertQueries {
  private readonly store: Store;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(store: Store) {
    super(store.db);
    this.store = store;
  }

  /**
   * Replaces the policy document; `alsoInTransaction` writes with it (the audit entry).
   * Stored in input form (durations in ms) so that parsing it again gives the same document.
   */
  async replacePolicies(document: PolicyDocument, updatedAt: number, updatedBy: string, alsoInTransaction: (db: Db) => Promise<unknown>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_policies').where('id', '=', POLICY_ROW).execute();
      await trx.insertInto('alert_policies').values({ id: POLICY_ROW, document: toJson(document), updated_at: updatedAt, updated_by: updatedBy }).execute();
      await alsoInTransaction(trx);
    });
  }

  async deletePolicies(): Promise<void> {
    await this.db.deleteFrom('alert_policies').where('id', '=', POLICY_ROW).execute();
  }

  /**
   * One decision at a time: in this process, and across replicas on PostgreSQL (an advisory
   * lock), so cooldowns and rate limits hold under concurrent deliveries.
   */
  serialize<T>(fn: (queries: AlertQueries) => Promise<T>): Promise<T> {
    const run = () =>
      this.db.transaction().execute(async (trx) => {
        if (this.store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${DECISION_LOCK})`.execute(trx);
        return fn(new AlertQueries(trx));
      });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
