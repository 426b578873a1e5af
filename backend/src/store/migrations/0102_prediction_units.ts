import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * `predictions.unit_id` (issue 13): the randomization unit a prediction was served to (the
 * `unitId` the router hashes), null for producers that send none. Experiment results group a
 * window's predictions by it (monitor/query-units.ts): per-unit sums for the unit-level
 * variance, distinct units per arm for SRM. No index: the query reads a window's row ranges
 * (ingest_batches) and groups them, and ingest pays nothing extra.
 */
export const predictionUnitsMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('predictions').addColumn('unit_id', 'text').execute();
  },
});
