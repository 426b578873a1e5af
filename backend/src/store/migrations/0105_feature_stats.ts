import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Per-feature sums and type-error counts per rollup (issue 19, data quality; monitor/rollup.ts
 * `featureStats`): one counts blob, added to by the flush like `features`. Null on rows written
 * before it, which read as zeros.
 */
export const featureStatsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('rollups').addColumn('feature_stats', dialect === 'sqlite' ? 'blob' : 'bytea').execute();
  },
});
