import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Shadow releases (issue 19; serving/shadow-service.ts):
 * - `shadows`: one row per shadow started (the running one per model has stopped_at null, at
 *   most one: a unique partial index, so two replicas starting shadows at once leave one);
 *   `release` (JSON) is the retrain flow's plan when a retrain started it, `outcome` (JSON) what
 *   its gates decided.
 * - `shadow_pairs`: per (model, shadow version, champion version, minute) the sums of the
 *   champion/shadow score pairs, added to by the flush: a shadow's agreement over any range is a sum.
 */
export const shadowPairsMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('shadows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('champion', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('stopped_at', 'bigint')
      .addColumn('stop_reason', 'text')
      .addColumn('release', 'text')
      .addColumn('outcome', 'text')
      .execute();
    await db.schema.createIndex('shadows_model').on('shadows').columns(['model', 'started_at']).execute();
    await sql`create unique index shadows_running on shadows (model) where stopped_at is null`.execute(db);
    await db.schema
      .createTable('shadow_pairs')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('shadow_version', 'text', (c) => c.notNull())
      .addColumn('champion_version', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('pairs', 'bigint', (c) => c.notNull())
      .addColumn('abs_diff_sum', 'double precision', (c) => c.notNull())
      .addColumn('sq_diff_sum', 'double precision', (c) => c.notNull())
      .addColumn('agree', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('shadow_pairs_pk', ['model', 'shadow_version', 'champion_version', 'bucket_start'])
      .execute();
  },
});
