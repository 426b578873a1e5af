import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * The credential that sent the alert a decision was taken for (token id, or `hmac`): each
 * credential has its own hourly action budget (alerts/policy-engine.ts).
 */
export const alertSenderMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('alert_decisions').addColumn('sender', 'text').execute();
  },
});
