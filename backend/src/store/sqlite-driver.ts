import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

/** Prepared statements kept per connection (distinct SQL texts; multi-row inserts of other sizes are other texts). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SqliteDialect expects better-sqlite3's statement shape; Node's built-in
 * `node:sqlite` differs (spread parameters, `columns()` instead of `reader`). This adapter
 * lets us use the built-in module and avoid compiling a native addon.
 */
interface KyselySqliteStatement {
  readonly reader: boolean;
  all(parameters: ReadonlyArray<unknown>): unknown[];
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown>;
}

export interface KyselySqliteDatabase {
  close(): void;
  prepare(sql: string): KyselySqliteStatement;
}

const toSqlite = (value: unknown): SQLInputValue => {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value as SQLInputValue;
};

export function openSqlite(filename: string): { raw: DatabaseSync; kysely: KyselySqliteDatabase } {
  const raw = new DatabaseSync(filename);
  // WAL lets readers proceed during writes; NORMAL sync is durable across process crashes
  // (a kill -9 loses nothing committed), which is the guarantee ingest replies rely on.
  raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  // Kysely prepares every query it runs; preparing is a large share of a small read (the
  // served experiment results spend about a quarter of their time in prepare and all), so
  // prepared statements are reused per SQL text. SQLite re-prepares a reused statement by
  // itself after a schema change. `iterate` gets its own statement: an open iterator must
  // not be reset by another query using the cached one.
  const statements = new Map<string, { statement: StatementSync; reader: boolean }>();
  const prepared = (sql: string) => {
    let hit = statements.get(sql);
    if (hit) {
      // Re-inserted, so the first key is the one used longest ago.
      statements.delete(sql);
    } else {
      const statement = raw.prepare(sql);
      hit = { statement, reader: statement.columns().length > 0 };
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, hit);
    return hit;
  };
  const kysely: KyselySqliteDatabase = {
    close: () => {
      statements.clear();
      raw.close();
    },
    prepare(sql) {
      const { statement, reader } = prepared(sql);
      return {
        reader,
        all: (parameters) => statement.all(...parameters.map(toSqlite)),
        run: (parameters) => statement.run(...parameters.map(toSqlite)),
        iterate: (parameters) => raw.prepare(sql).iterate(...parameters.map(toSqlite)) as IterableIterator<unknown>,
      };
    },
  };
  return { raw, kysely };
}
