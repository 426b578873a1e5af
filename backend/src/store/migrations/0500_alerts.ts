import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Alerting: one incident per alert instance (its unique key is what makes a repeated
 * delivery a no-op), the decisions the policies took for it (acted, dry run, pending
 * approval, ...), and the stored policy document.
 */
export const alertsMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('alert_incidents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('instance_key', 'text', (c) => c.notNull().unique())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('receiver', 'text')
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('alertname', 'text', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('severity', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('annotations', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'bigint', (c) => c.notNull())
      .addColumn('ends_at', 'bigint')
      .addColumn('deliveries', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alert_incidents_model_time').on('alert_incidents').columns(['model', 'created_at']).execute();
    await db.schema.createIndex('alert_incidents_time').on('alert_incidents').column('created_at').execute();

    await db.schema
      .createTable('alert_decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('incident_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('model', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('policy', 'text')
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('acted_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('result', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('alert_decisions_incident').on('alert_decisions').column('incident_id').execute();
    await db.schema.createIndex('alert_decisions_time').on('alert_decisions').column('created_at').execute();
    await db.schema.createIndex('alert_decisions_outcome').on('alert_decisions').columns(['outcome', 'created_at']).execute();

    await db.schema
      .createTable('alert_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
  },
});
