import type { DatabaseSync } from 'node:sqlite';

/**
 * A fast path's prepared statements, built once per SQLite connection (the monitor's writers
 * run node:sqlite statements directly on the store's connection, next to Kysely).
 */
export function statementsPerConnection<S>(build: (db: DatabaseSync) => S): (db: DatabaseSync) => S {
  const prepared = new WeakMap<DatabaseSync, S>();
  return (db) => {
    let s = prepared.get(db);
    if (s === undefined) prepared.set(db, (s = build(db)));
    return s;
  };
}
