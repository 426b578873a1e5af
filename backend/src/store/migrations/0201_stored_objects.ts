import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Issue 20: artifacts and job outputs as rows (store/postgres-object-storage.ts), in chunks of
 * about 1 MiB so that no object is ever held in memory whole. Used on PostgreSQL; created on
 * SQLite too so that both schemas stay the same.
 */
export const storedObjectsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('stored_objects')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('chunks', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('stored_object_chunks')
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .addPrimaryKeyConstraint('stored_object_chunks_pk', ['object_id', 'seq'])
      .execute();
  },
});
