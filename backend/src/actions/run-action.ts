import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import type { ModelLookup } from '../registry/registry-ports.ts';
import { actorName } from '../auth/roles.ts';
import { toJson } from '../store/database.ts';
import type { ActionsTable } from '../store/schema.ts';
import type { ActionRecorder } from './action-recorder.ts';
import { toAction, type ActionStore } from './action-store.ts';
import type { ActionOutcome, ActionReply } from './action-types.ts';
import type { Idempotency } from './idempotency.ts';

export interface RunActionDeps {
  actions: ActionStore;
  idempotency: Idempotency;
  recorder: ActionRecorder;
  audit: AuditLog;
  models: ModelLookup;
}

export type ActionWork = (action: { id: string }) => Promise<ActionOutcome | void>;

/** Any other area's action (retrain, experiment stop, alert policies) under the action record. */
export class RunAction {
  private readonly deps: RunActionDeps;

  constructor(deps: RunActionDeps) {
    this.deps = deps;
  }

  /**
   * Records any action with the Idempotency-Key contract: reserves the key and a `running`
   * action, runs `work` (outside any transaction and outside the model lock, so `work` may
   * use the store and call other actions), then stores the outcome, its audit entry and the
   * reply for the key. A throw marks the action failed, frees the key and is rethrown.
   * A crash during `work` leaves the action `running` (visible, and replayed as such).
   */
  async run(type: string, model: string, actor: Actor | string, reason: string, idempotencyKey: string | undefined, work: ActionWork): Promise<ActionReply> {
    const { actions, idempotency, recorder, audit } = this.deps;
    await this.deps.models.get(model);
    const name = actorName(actor);
    if (idempotencyKey) {
      const replay = await idempotency.replay(actor, idempotencyKey, type, model);
      if (replay) return replay;
    }
    const id = randomUUID();
    const now = Date.now();
    const row: ActionsTable = {
      id,
      model,
      type,
      status: 'running',
      from_version: null,
      to_version: null,
      job_id: null,
      actor: name,
      reason,
      idempotency_key: idempotencyKey ?? null,
      details: '{}',
      created_at: now,
      updated_at: now,
    };
    try {
      await actions.transaction(async (trx) => {
        if (idempotencyKey) await idempotency.reserve(trx, name, idempotencyKey, type, model, id);
        await actions.insert(row, trx);
      });
    } catch (error) {
      const replay = idempotencyKey ? await idempotency.replay(actor, idempotencyKey, type, model) : undefined;
      if (replay) return replay;
      throw error;
    }
    let outcome: ActionOutcome;
    try {
      outcome = (await work({ id })) ?? {};
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await actions.transaction(async (trx) => {
        await actions.update(id, { status: 'failed', details: toJson({ error: message }), updated_at: Date.now() }, trx);
        if (idempotencyKey) await actions.freeKey(trx, name, idempotencyKey);
        await audit.record({ type, status: 'failed', model, actor, reason, details: { actionId: id, error: message } }, trx);
      });
      recorder.count(model, type, 'failed');
      throw error;
    }
    const status = outcome.status ?? 'succeeded';
    const final: ActionsTable = {
      ...row,
      status,
      from_version: outcome.fromVersion ?? null,
      to_version: outcome.toVersion ?? null,
      job_id: outcome.jobId ?? null,
      details: toJson(outcome.details ?? {}),
      updated_at: Date.now(),
    };
    const action = toAction(final);
    await actions.transaction(async (trx) => {
      await actions.update(
        id,
        { status, from_version: final.from_version, to_version: final.to_version, job_id: final.job_id, details: final.details, updated_at: final.updated_at },
        trx,
      );
      await audit.record(
        { type, status: final.status, model, actor, reason, fromVersion: final.from_version, toVersion: final.to_version, jobId: final.job_id, details: { actionId: id, ...(outcome.details ?? {}) } },
        trx,
      );
      if (idempotencyKey) await actions.storeReply(trx, name, idempotencyKey, action);
    });
    // Counted once, by final status: a `running` action is counted when it ends (updateDetails).
    if (status !== 'running') recorder.count(model, type, status);
    return { action, replayed: false };
  }
}
