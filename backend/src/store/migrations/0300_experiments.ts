import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * A/B experiments between model versions. Arms, allocation (bucket ranges), weight history
 * and the per-experiment settings are JSON text. A partial unique index keeps at most one
 * running experiment per model, also across replicas.
 */
export const experimentsMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('experiments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('primary_metric', 'text', (c) => c.notNull())
      .addColumn('arms', 'text', (c) => c.notNull())
      .addColumn('allocation', 'text', (c) => c.notNull())
      .addColumn('salt', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('weight_history', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('stopped_at', 'bigint')
      .addColumn('stopped_by', 'text')
      .addColumn('decision', 'text')
      .addColumn('stop_reason', 'text')
      .addColumn('final_results', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('experiments_model_started').on('experiments').columns(['model', 'started_at']).execute();
    await db.schema
      .createIndex('experiments_one_running_per_model')
      .on('experiments')
      .column('model')
      .unique()
      .where(sql.ref('status'), '=', 'running')
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('experiments').execute();
  },
});
