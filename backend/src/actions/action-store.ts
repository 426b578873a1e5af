import { fromJson, toJson } from '../store/database.ts';
import { ModelScopedStore, type DbOrTrx, type Trx } from '../store/model-store.ts';
import type { ActionsTable, IdempotencyKeysTable } from '../store/schema.ts';
import type { Action, ActionStatus } from './action-types.ts';

export type { Trx };

export function toAction(row: ActionsTable): Action {
  return {
    id: row.id,
    type: row.type,
    status: row.status as ActionStatus,
    model: row.model,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    jobId: row.job_id,
    actor: row.actor,
    reason: row.reason,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    details: fromJson(row.details, {}),
  };
}

/** The actions area's SQL: tables actions and idempotency_keys (and the model's settings it reads). */
export class ActionStore extends ModelScopedStore {
  // ------------------------------------------------------------------ actions

  find(id: string, db: DbOrTrx = this.store.db): Promise<ActionsTable | undefined> {
    return db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first. */
  list(model: string, options: { type?: string | undefined; limit?: number | undefined }): Promise<ActionsTable[]> {
    let q = this.store.db.selectFrom('actions').selectAll().where('model', '=', model);
    if (options.type) q = q.where('type', '=', options.type);
    return q.orderBy('created_at', 'desc').limit(options.limit ?? 100).execute();
  }

  /** Promotions and rollbacks still `running` (a canary ramp or a gradual rollback, or one a crash cut short). */
  runningRamps(): Promise<ActionsTable[]> {
    return this.store.db.selectFrom('actions').selectAll().where('type', 'in', ['promote', 'rollback']).where('status', '=', 'running').execute();
  }

  async insert(row: ActionsTable, db: DbOrTrx = this.store.db): Promise<void> {
    await db.insertInto('actions').values(row).execute();
  }

  async update(id: string, changes: Partial<Omit<ActionsTable, 'id'>>, db: DbOrTrx = this.store.db): Promise<void> {
    await db.updateTable('actions').set(changes).where('id', '=', id).execute();
  }

  /** The model's settings (the deployment hook is in them), read inside the action's transaction. */
  async modelSettings(trx: Trx, model: string): Promise<Record<string, unknown>> {
    const row = await trx.selectFrom('models').select('settings').where('name', '=', model).executeTakeFirst();
    return fromJson<Record<string, unknown>>(row?.settings, {});
  }

  // ------------------------------------------------------------------ idempotency keys

  findKey(scope: string, key: string): Promise<IdempotencyKeysTable | undefined> {
    return this.store.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
  }

  /** Fails (unique key) when the caller used the key already. */
  async reserveKey(trx: Trx, scope: string, key: string, request: { type: string; model: string }, actionId: string): Promise<void> {
    await trx
      .insertInto('idempotency_keys')
      .values({ scope, key, request: toJson(request), action_id: actionId, response: null, created_at: Date.now() })
      .execute();
  }

  async storeReply(trx: Trx, scope: string, key: string, action: Action): Promise<void> {
    await trx.updateTable('idempotency_keys').set({ response: toJson({ action }) }).where('scope', '=', scope).where('key', '=', key).execute();
  }

  async freeKey(trx: Trx, scope: string, key: string): Promise<void> {
    await trx.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
  }
}
