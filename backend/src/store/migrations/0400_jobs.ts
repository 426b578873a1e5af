import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrement, type SqlDialect } from './dialect-helpers.ts';

/**
 * Jobs (the retrain queue; the row is both the queue entry and the job record) and their
 * log lines. Claiming is an UPDATE guarded by `state = 'queued'` (jobs/job-store.ts).
 */
export const jobsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('runner', 'text')
      .addColumn('input', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('gpus', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('gpu_indices', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('action_id', 'text')
      .addColumn('progress', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('message', 'text')
      .addColumn('metrics', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('result', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('produced_version', 'text')
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
      .addColumn('run_after', 'bigint', (c) => c.notNull())
      .addColumn('worker', 'text')
      .addColumn('heartbeat_at', 'bigint')
      .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('jobs_state_run_after').on('jobs').columns(['state', 'run_after']).execute();
    await db.schema.createIndex('jobs_model_time').on('jobs').columns(['model', 'created_at']).execute();
    await db.schema.createIndex('jobs_time').on('jobs').column('created_at').execute();

    await db.schema
      .createTable('job_logs')
      .addColumn('seq', 'integer', autoIncrement(dialect))
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('line', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_logs_job_seq').on('job_logs').columns(['job_id', 'seq']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('job_logs').execute();
    await db.schema.dropTable('jobs').execute();
  },
});
