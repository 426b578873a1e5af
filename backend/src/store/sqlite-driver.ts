import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

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
  const kysely: KyselySqliteDatabase = {
    close: () => raw.close(),
    prepare(sql) {
      const statement = raw.prepare(sql);
      const reader = statement.columns().length > 0;
      return {
        reader,
        all: (parameters) => statement.all(...parameters.map(toSqlite)),
        run: (parameters) => statement.run(...parameters.map(toSqlite)),
        iterate: (parameters) => statement.iterate(...parameters.map(toSqlite)) as IterableIterator<unknown>,
      };
    },
  };
  return { raw, kysely };
}
