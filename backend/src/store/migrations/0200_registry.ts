import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrement, type SqlDialect } from './dialect-helpers.ts';

/** Registry (versions, aliases and their history), actions and idempotency keys. */
export const registryMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('model_versions')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('artifact_sha256', 'text', (c) => c.notNull())
      .addColumn('artifact_bytes', 'bigint', (c) => c.notNull())
      .addColumn('input_schema', 'text', (c) => c.notNull())
      .addColumn('metrics', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('lineage', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('validation', 'text', (c) => c.notNull().defaultTo('none'))
      .addColumn('validation_details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('has_profile', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('description', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_versions_pk', ['model', 'version'])
      .execute();
    await db.schema.createIndex('model_versions_seq').on('model_versions').columns(['model', 'seq']).execute();

    // One row per (model, alias): "exactly one champion" is a primary-key fact, not a convention.
    await db.schema
      .createTable('model_aliases')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('action_id', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_aliases_pk', ['model', 'alias'])
      .execute();

    await db.schema
      .createTable('alias_history')
      .addColumn('seq', 'integer', autoIncrement(dialect))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('previous_version', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('action_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alias_history_model').on('alias_history').columns(['model', 'alias', 'seq']).execute();

    await db.schema
      .createTable('actions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('from_version', 'text')
      .addColumn('to_version', 'text')
      .addColumn('job_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('idempotency_key', 'text')
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('actions_model_time').on('actions').columns(['model', 'created_at']).execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('action_id', 'text')
      .addColumn('response', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
      .execute();
  },
});
