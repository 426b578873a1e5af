import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Kysely,
  SqliteAdapter,
  type ConnectionBuilder,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type KyselyConfig,
  type QueryCompiler,
  type TransactionBuilder,
  type TransactionSettings,
} from 'kysely';

/**
 * Code running inside `db.transaction()` or `db.connection()` asked the store for a second
 * connection instead of using the one it holds (`trx`). On SQLite (one connection) that waits
 * for itself forever and wedges every route; on PostgreSQL it reads outside the transaction.
 * Either way it is a bug, so it fails at once with the stack that shows where.
 */
export class OuterConnectionError extends Error {
  constructor() {
    super('the store was used outside the transaction (or connection) this code holds; pass its `trx` instead of the store');
    this.name = 'OuterConnectionError';
  }
}

interface Scope {
  active: boolean;
  holds: boolean;
}

/** Remembers, per async call chain, whether it already holds one of this store's connections. */
class ConnectionGuard {
  readonly #scopes = new AsyncLocalStorage<Scope>();

  async run<T>(work: () => Promise<T>): Promise<T> {
    // Nested inside a holder: stay in its scope, so the nested acquire is refused.
    if (this.#scopes.getStore()?.active) return work();
    const scope: Scope = { active: true, holds: false };
    return this.#scopes.run(scope, async () => {
      try {
        return await work();
      } finally {
        scope.active = false;
      }
    });
  }

  /** Called before each connection is acquired: the holder's own first acquire passes, any later one throws. */
  check(): void {
    const scope = this.#scopes.getStore();
    if (!scope?.active) return;
    if (scope.holds) throw new OuterConnectionError();
    scope.holds = true;
  }
}

/** Wraps `execute` of a transaction/connection builder (and of the builders its setters return) in the guard's scope. */
function guardBuilder<T extends object>(builder: T, guard: ConnectionGuard): T {
  return new Proxy(builder, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'execute') return (...args: unknown[]) => guard.run(() => Reflect.apply(value, target, args));
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof target.constructor ? guardBuilder(result, guard) : result;
      };
    },
  });
}

/** A Kysely whose transactions and held connections cannot reach back to it (see OuterConnectionError). */
class GuardedKysely<DB> extends Kysely<DB> {
  readonly #guard: ConnectionGuard;

  constructor(config: KyselyConfig, guard: ConnectionGuard) {
    super(config);
    this.#guard = guard;
  }

  override transaction(): TransactionBuilder<DB> {
    return guardBuilder(super.transaction(), this.#guard);
  }

  override connection(): ConnectionBuilder<DB> {
    return guardBuilder(super.connection(), this.#guard);
  }
}

/** One connection at a time, waited for in order (SQLite has a single connection). */
class ConnectionMutex {
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  unlock(): void {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }
}

class GuardedDriver implements Driver {
  readonly #inner: Driver;
  readonly #guard: ConnectionGuard;
  readonly #mutex: ConnectionMutex | undefined;

  constructor(inner: Driver, guard: ConnectionGuard, serialise: boolean) {
    this.#inner = inner;
    this.#guard = guard;
    this.#mutex = serialise ? new ConnectionMutex() : undefined;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Checked before waiting: a holder waiting for its own connection would wait forever.
    this.#guard.check();
    await this.#mutex?.lock();
    try {
      return await this.#inner.acquireConnection();
    } catch (error) {
      this.#mutex?.unlock();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.#inner.releaseConnection(connection);
    } finally {
      this.#mutex?.unlock();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.releaseSavepoint?.(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

/** SQLite's adapter, except that the guarded driver (not Kysely) serialises the one connection. */
class SelfSerialisedSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/**
 * A Kysely over `inner` whose every connection is checked first (see OuterConnectionError).
 * `serialise` (SQLite) makes the driver hand out its one connection one holder at a time,
 * after the check rather than before it.
 */
export function guardedKysely<DB>(inner: Dialect, serialise: boolean): Kysely<DB> {
  const guard = new ConnectionGuard();
  return new GuardedKysely<DB>({ dialect: guardedDialect(inner, guard, serialise) }, guard);
}

function guardedDialect(inner: Dialect, guard: ConnectionGuard, serialise: boolean): Dialect {
  return {
    createAdapter: (): DialectAdapter => (serialise ? new SelfSerialisedSqliteAdapter() : inner.createAdapter()),
    createDriver: (): Driver => new GuardedDriver(inner.createDriver(), guard, serialise),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => inner.createIntrospector(db),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
  };
}
