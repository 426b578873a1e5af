import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Label histograms and label delay per rollup (issue 19; monitor/rollup.ts `quality`): one
 * varint blob, added to by the flush like `score_hist`. Null on rows written before it (and on
 * rows without labels), which read as zeros.
 */
export const rollupQualityMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('rollups').addColumn('quality', dialect === 'sqlite' ? 'blob' : 'bytea').execute();
  },
});
