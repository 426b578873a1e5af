import fs from 'node:fs';
import path from 'node:path';
import { PostgresDialect, SqliteDialect, type Kysely } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import type { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { allMigrations } from './migrations/index.ts';
import type { SqlDialect } from './migrations/dialect-helpers.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite-driver.ts';
import { guardedKysely } from './connection-guard.ts';

export type { SqlDialect };

export interface Store {
  db: Kysely<Database>;
  dialect: SqlDialect;
  /** Where the SQLite file lives, when the dialect is SQLite. */
  file?: string;
  /**
   * The SQLite connection under Kysely, for hot paths where Kysely's per-query overhead
   * matters (monitor ingest). Use it only while holding Kysely's connection
   * (`db.connection().execute(...)`), so it never interleaves with a Kysely transaction.
   */
  sqlite?: DatabaseSync;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /**
   * Told of errors on idle PostgreSQL connections (terminated by the server, a restart). The
   * pool drops such a connection and opens a new one when next needed; without a listener
   * Node would treat the pool's 'error' event as fatal and exit.
   */
  onConnectionError?: (error: Error) => void;
}

// PostgreSQL returns bigint (int8) as strings; our bigints are epoch milliseconds and counts,
// far below 2^53, so numbers are exact and far easier to use.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    const onError = options.onConnectionError ?? (() => {});
    pool.on('error', onError);
    // A checked-out client whose connection drops emits 'error' on itself too; the query that
    // was running fails (and maps to 503), the pool discards the client.
    pool.on('connect', (client) => client.on('error', onError));
    const db = guardedKysely<Database>(new PostgresDialect({ pool }), false);
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'modelwatch.db');
  const { raw, kysely } = openSqlite(file);
  const db = guardedKysely<Database>(new SqliteDialect({ database: kysely }), true);
  return { db, dialect: 'sqlite', file, sqlite: raw, close: () => db.destroy() };
}

export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrations = allMigrations(store.dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db: store.db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** JSON columns are text on both dialects. */
export const toJson = (value: unknown): string => JSON.stringify(value ?? null);
export const fromJson = <T>(text: string | null | undefined, fallback: T): T =>
  text == null || text === '' ? fallback : (JSON.parse(text) as T);
