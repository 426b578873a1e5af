import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Tokens: `models`, a JSON list of the models an ingest token may write to (null: any), and
 * `origin`, `env` for the token registered from MODELWATCH_ADMIN_TOKEN, so that a changed
 * variable revokes the previous one at start (auth/bootstrap.ts).
 */
export const tokenScopesMigration = (_dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tokens').addColumn('models', 'text').execute();
    await db.schema.alterTable('tokens').addColumn('origin', 'text').execute();
  },
});
