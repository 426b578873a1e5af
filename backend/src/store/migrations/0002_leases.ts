import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Named leases of the control loops (store/leases.ts): one holder at a time, until expires_at unless renewed. */
export const leasesMigration = (): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
