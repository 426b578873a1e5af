import type { Kysely } from 'kysely';
import { fromJson, type Store } from '../store/database.ts';
import type { Database, JobsTable } from '../store/schema.ts';
import { jobStates, type Job, type JobLogLine, type JobState, type LogStream } from './job-types.ts';

/**
 * The jobs and job_logs tables. The row is both the queue entry and the record; every
 * state change of a running job is guarded by `worker = <owner> AND state = 'running'`, so a
 * worker that lost its job (recovered as dead, cancelled) can never overwrite the outcome.
 * Times here are wall-clock milliseconds (heartbeats, backoff), not the domain clock.
 */
export class JobStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  async insert(row: JobsTable): Promise<void> {
    await this.db.insertInto('jobs').values(row).execute();
  }

  async find(id: string): Promise<JobsTable | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(q: { model?: string | undefined; state?: JobState | undefined; limit?: number | undefined }): Promise<JobsTable[]> {
    let query = this.db.selectFrom('jobs').selectAll();
    if (q.model) query = query.where('model', '=', q.model);
    if (q.state) query = query.where('state', '=', q.state);
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit ?? 100)
      .execute();
  }

  /**
   * Takes the oldest queued job that is due and needs at most `freeGpus` GPUs, marking it
   * running for `worker`. PostgreSQL: one UPDATE over a `FOR UPDATE SKIP LOCKED` subquery,
   * so replicas claiming at once each get a different row and never wait on each other.
   * SQLite: a transaction (one writer at a time) with the same state guard.
   */
  async claim(worker: string, now: number, freeGpus: number): Promise<JobsTable | undefined> {
    const changes = {
      state: 'running',
      worker,
      heartbeat_at: now,
      updated_at: now,
      cancel_requested: 0,
      message: 'started',
    } as const;
    if (this.store.dialect === 'postgres') {
      return this.db
        .updateTable('jobs')
        .set((eb) => ({ ...changes, attempts: eb('attempts', '+', 1), started_at: eb.fn.coalesce('started_at', eb.val(now)) }))
        .where('id', '=', (eb) =>
          eb
            .selectFrom('jobs')
            .select('id')
            .where('state', '=', 'queued')
            .where('run_after', '<=', now)
            .where('gpus', '<=', freeGpus)
            .orderBy('created_at')
            .orderBy('id')
            .limit(1)
            .forUpdate()
            .skipLocked(),
        )
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
    }
    return this.db.transaction().execute(async (trx) => {
      const next = await trx
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'queued')
        .where('run_after', '<=', now)
        .where('gpus', '<=', freeGpus)
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!next) return undefined;
      return trx
        .updateTable('jobs')
        .set((eb) => ({ ...changes, attempts: eb('attempts', '+', 1), started_at: eb.fn.coalesce('started_at', eb.val(now)) }))
        .where('id', '=', next.id)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
    });
  }

  /** Refreshes the owner's heartbeat; undefined when the job is no longer this worker's. */
  async heartbeat(id: string, worker: string, now: number): Promise<{ cancelRequested: boolean; cancelReason: string | null } | undefined> {
    const row = await this.db
      .updateTable('jobs')
      .set({ heartbeat_at: now })
      .where('id', '=', id)
      .where('worker', '=', worker)
      .where('state', '=', 'running')
      .returning(['cancel_requested', 'error'])
      .executeTakeFirst();
    if (!row) return undefined;
    const cancelRequested = Number(row.cancel_requested) === 1;
    return { cancelRequested, cancelReason: cancelRequested ? row.error : null };
  }

  /** Updates fields of a job this worker runs; false when it is no longer this worker's. */
  async updateRunning(id: string, worker: string, changes: Partial<JobsTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set(changes)
      .where('id', '=', id)
      .where('worker', '=', worker)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Cancels a job that has not started. */
  async cancelQueued(id: string, now: number, message: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'cancelled', message, error: message, finished_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Asks the owner of a running job to stop (it sees the flag, and why, at its next heartbeat). */
  async requestCancel(id: string, now: number, why: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ cancel_requested: 1, error: why, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Running jobs whose heartbeat is older than `before`. */
  async stale(before: number): Promise<JobsTable[]> {
    return this.db.selectFrom('jobs').selectAll().where('state', '=', 'running').where('heartbeat_at', '<', before).execute();
  }

  /** Marks one stale job failed, unless its owner came back meanwhile (heartbeat moved). */
  async failStale(row: JobsTable, now: number, error: string): Promise<JobsTable | undefined> {
    let query = this.db
      .updateTable('jobs')
      .set({ state: 'failed', error, message: 'worker lost', finished_at: now, updated_at: now })
      .where('id', '=', row.id)
      .where('state', '=', 'running');
    query = row.heartbeat_at === null ? query.where('heartbeat_at', 'is', null) : query.where('heartbeat_at', '=', row.heartbeat_at);
    return query.returningAll().executeTakeFirst();
  }

  async countByState(): Promise<Record<JobState, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of rows) if (row.state in counts) counts[row.state as JobState] = Number(row.n);
    return counts;
  }

  // ------------------------------------------------------------------ logs

  async appendLogs(lines: Array<{ jobId: string; ts: number; stream: LogStream; line: string }>): Promise<void> {
    if (!lines.length) return;
    await this.db
      .insertInto('job_logs')
      .values(lines.map((l) => ({ job_id: l.jobId, ts: l.ts, stream: l.stream, line: l.line })))
      .execute();
  }

  async logs(jobId: string, afterSeq: number, limit: number): Promise<JobLogLine[]> {
    const rows = await this.db
      .selectFrom('job_logs')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), ts: new Date(Number(r.ts)).toISOString(), stream: r.stream as LogStream, line: r.line }));
  }
}

const iso = (ms: number | null): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function toJob(row: JobsTable): Job {
  const result = fromJson<Record<string, unknown>>(row.result, {});
  const input = fromJson<Record<string, unknown>>(row.input, {});
  const validation = result.validation;
  return {
    id: row.id,
    type: row.type,
    model: row.model,
    status: row.state as JobState,
    runner: row.runner,
    gpus: Number(row.gpus),
    gpuIndices: row.gpu_indices ? fromJson<number[]>(row.gpu_indices, []) : null,
    progress: Number(row.progress),
    message: row.message,
    metrics: fromJson<Record<string, number>>(row.metrics, {}),
    producedVersion: row.produced_version,
    validation: validation && typeof validation === 'object' ? (validation as Record<string, unknown>) : null,
    result,
    error: row.error,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    timeoutMs: Number(row.timeout_ms),
    cancelRequested: Number(row.cancel_requested) === 1,
    actionId: row.action_id,
    actor: row.actor,
    reason: row.reason,
    params: (input.params && typeof input.params === 'object' ? input.params : {}) as Record<string, unknown>,
    worker: row.worker,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    heartbeatAt: iso(row.heartbeat_at),
    runAfter: iso(row.run_after)!,
  };
}
