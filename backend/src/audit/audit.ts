import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/roles.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';

export interface AuditEntry {
  id: string;
  type: string;
  status: string;
  model: string | null;
  actor: string;
  reason: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  jobId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface AuditInput {
  type: string;
  status?: string;
  model?: string | null;
  actor: Actor | string;
  reason?: string | null;
  fromVersion?: string | null;
  toVersion?: string | null;
  jobId?: string | null;
  details?: Record<string, unknown>;
  id?: string;
}

export interface AuditQuery {
  model?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  type?: string | undefined;
  limit?: number | undefined;
}

/** The audit log: every state change, with who did it and why. Also Grafana's annotations. */
export class AuditLog {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock = systemClock) {
    this.store = store;
    this.clock = clock;
  }

  /** Records an entry. Pass `db` to write inside a caller's transaction. */
  async record(input: AuditInput, db = this.store.db): Promise<AuditEntry> {
    const createdAt = this.clock.now();
    const row = {
      id: input.id ?? randomUUID(),
      created_at: createdAt,
      type: input.type,
      status: input.status ?? 'succeeded',
      model: input.model ?? null,
      actor: typeof input.actor === 'string' ? input.actor : input.actor.name,
      reason: input.reason ?? null,
      from_version: input.fromVersion ?? null,
      to_version: input.toVersion ?? null,
      job_id: input.jobId ?? null,
      details: toJson(input.details ?? {}),
    };
    await db.insertInto('audit').values(row).execute();
    return toEntry(row);
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    let q = this.store.db.selectFrom('audit').selectAll();
    if (query.model) q = q.where('model', '=', query.model);
    if (query.type) q = q.where('type', '=', query.type);
    if (query.fromMs !== undefined) q = q.where('created_at', '>=', query.fromMs);
    if (query.toMs !== undefined) q = q.where('created_at', '<=', query.toMs);
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map(toEntry);
  }
}

function toEntry(row: {
  id: string;
  created_at: number;
  type: string;
  status: string;
  model: string | null;
  actor: string;
  reason: string | null;
  from_version: string | null;
  to_version: string | null;
  job_id: string | null;
  details: string;
}): AuditEntry {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    model: row.model,
    actor: row.actor,
    reason: row.reason,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    jobId: row.job_id,
    details: fromJson(row.details, {}),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}
