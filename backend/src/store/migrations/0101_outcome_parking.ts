import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrement, type SqlDialect } from './dialect-helpers.ts';

/**
 * Parked outcomes (issue 13, monitor/outcome-parking.ts):
 * - `outcome_parking`: outcomes whose prediction was not stored yet when they arrived, as sent,
 *   durable before the ingest reply; joined (and deleted) when the prediction lands, or
 *   expired after the parking window.
 * - `outcome_parking_totals`: per model, how many parked outcomes expired, for ever.
 */
export const outcomeParkingMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('outcome_parking')
      .addColumn('seq', 'integer', autoIncrement(dialect))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('impression', 'double precision')
      .addColumn('click', 'double precision')
      .addColumn('conversion', 'double precision')
      .addColumn('label', 'integer')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outcome_parking_model_id').on('outcome_parking').columns(['model', 'id']).execute();
    await db.schema.createIndex('outcome_parking_received').on('outcome_parking').columns(['received_at']).execute();
    await db.schema
      .createTable('outcome_parking_totals')
      .addColumn('model', 'text', (c) => c.primaryKey())
      .addColumn('expired', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
