import type { Actor } from '../auth/roles.ts';
import { DomainError, invalid } from '../core/errors.ts';
import { actorName } from '../auth/roles.ts';
import { fromJson } from '../store/database.ts';
import { toAction, type ActionStore, type Trx } from './action-store.ts';
import type { Action, ActionReply } from './action-types.ts';

/**
 * The Idempotency-Key contract: the same key from the same caller (its scope) answers the
 * first request's result again; a key reused for another action or model is refused.
 */
export class Idempotency {
  private readonly actions: ActionStore;

  constructor(actions: ActionStore) {
    this.actions = actions;
  }

  /** The stored answer for a key, or undefined when the key is new. */
  async replay(actor: Actor | string, key: string, type: string, model: string): Promise<ActionReply | undefined> {
    if (key.length > 200) throw invalid('Idempotency-Key: at most 200 characters');
    const row = await this.actions.findKey(actorName(actor), key);
    if (!row) return undefined;
    const first = fromJson<{ type?: string; model?: string }>(row.request, {});
    if (first.type !== type || first.model !== model) {
      throw new DomainError(
        'failed_precondition',
        `Idempotency-Key "${key}" was already used for ${first.type ?? 'another action'} on model "${first.model ?? '?'}"; use a new key for a different request`,
      );
    }
    const answered = fromJson<{ action?: Action }>(row.response, {}).action;
    if (answered) return { action: answered, replayed: true };
    if (row.action_id) {
      const action = await this.actions.find(row.action_id);
      if (action) return { action: toAction(action), replayed: true };
    }
    return undefined;
  }

  /** Takes the key for `actionId` inside the action's transaction (a taken key fails it). */
  reserve(trx: Trx, actor: Actor | string, key: string, type: string, model: string, actionId: string): Promise<void> {
    return this.actions.reserveKey(trx, actorName(actor), key, { type, model }, actionId);
  }
}
