import type { Kysely, Transaction } from 'kysely';
import type { Store } from './database.ts';
import type { Database } from './schema.ts';

export type Trx = Transaction<Database>;
export type DbOrTrx = Kysely<Database> | Trx;

/**
 * What the store modules of areas that change a model's serving state share: a transaction,
 * and a lock on the model row inside it, so that such changes serialise across replicas.
 */
export class ModelScopedStore {
  protected readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.store.db.transaction().execute(work);
  }

  /** On PostgreSQL, locks the model row (SQLite serialises writers already). */
  async lockModel(trx: Trx, model: string): Promise<void> {
    if (this.store.dialect !== 'postgres') return;
    await trx.selectFrom('models').select('name').where('name', '=', model).forUpdate().executeTakeFirst();
  }
}
