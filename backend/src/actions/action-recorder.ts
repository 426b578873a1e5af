import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError, notFound } from '../core/errors.ts';
import type { ModelLookup } from '../registry/registry-ports.ts';
import { fromJson, toJson } from '../store/database.ts';
import type { ActionsTable } from '../store/schema.ts';
import type { ActionCounter } from './action-metrics.ts';
import { toAction, type ActionStore, type Trx } from './action-store.ts';
import type { Action, ActionOutcome, ActionReply, ActionStatus } from './action-types.ts';
import { failpoint } from './failpoint.ts';
import type { Idempotency } from './idempotency.ts';

export interface ActionRecorderDeps {
  actions: ActionStore;
  idempotency: Idempotency;
  audit: AuditLog;
  models: ModelLookup;
  counter: ActionCounter;
  logger: Logger;
}

/** What the transactional part of an action did; `outcome` becomes the action row. */
export interface Applied {
  outcome: ActionOutcome;
}

/**
 * The action record: each action is a row in `actions` (docs/api.md shape), audited (what
 * Grafana shows as annotations) and counted (modelwatch_actions_total) once it ends.
 */
export class ActionRecorder {
  private readonly deps: ActionRecorderDeps;

  constructor(deps: ActionRecorderDeps) {
    this.deps = deps;
  }

  async get(id: string): Promise<Action> {
    const row = await this.deps.actions.find(id);
    if (!row) throw notFound(`action "${id}" not found`);
    return toAction(row);
  }

  async list(model: string, options: { type?: string | undefined; limit?: number | undefined } = {}): Promise<Action[]> {
    await this.deps.models.get(model);
    return (await this.deps.actions.list(model, options)).map(toAction);
  }

  /** Counts an action that ended. */
  count(model: string, type: string, status: ActionStatus): void {
    this.deps.counter.inc({ model, type, status });
  }

  /**
   * One transaction: (PostgreSQL) the model row lock, the idempotency key, the caller's
   * changes, the action row and its audit entry. A key already taken (another replica)
   * answers that request's result instead, with nothing applied here.
   */
  async atomic<A extends Applied>(
    type: string,
    model: string,
    actor: Actor,
    reason: string,
    idempotencyKey: string | undefined,
    existingActionId: string | undefined,
    apply: (trx: Trx, actionId: string) => Promise<A>,
  ): Promise<{ reply: ActionReply; applied?: A }> {
    const { actions, audit, idempotency } = this.deps;
    const id = existingActionId ?? randomUUID();
    let result: { reply: ActionReply; applied: A };
    try {
      result = await actions.transaction(async (trx) => {
        await actions.lockModel(trx, model);
        if (idempotencyKey && !existingActionId) await idempotency.reserve(trx, actor, idempotencyKey, type, model, id);
        const applied = await apply(trx, id);
        const { outcome } = applied;
        const now = Date.now();
        const existing = existingActionId ? await actions.find(id, trx) : undefined;
        const row: ActionsTable = {
          id,
          model,
          type,
          status: outcome.status ?? 'succeeded',
          from_version: outcome.fromVersion ?? null,
          to_version: outcome.toVersion ?? null,
          job_id: outcome.jobId ?? null,
          actor: existing?.actor ?? actor.name,
          reason: existing?.reason ?? reason,
          idempotency_key: existing?.idempotency_key ?? idempotencyKey ?? null,
          details: toJson({ ...fromJson<Record<string, unknown>>(existing?.details, {}), ...(outcome.details ?? {}) }),
          created_at: existing?.created_at ?? now,
          updated_at: now,
        };
        if (existing) {
          const { id: _id, ...changes } = row;
          await actions.update(id, changes, trx);
        } else {
          await actions.insert(row, trx);
        }
        const action = toAction(row);
        await audit.record(
          {
            ...(existing ? {} : { id }),
            type,
            status: row.status,
            model,
            actor,
            reason,
            fromVersion: row.from_version,
            toVersion: row.to_version,
            jobId: row.job_id,
            details: { actionId: id, ...(outcome.details ?? {}) },
          },
          trx,
        );
        if (row.idempotency_key) await actions.storeReply(trx, row.actor, row.idempotency_key, action);
        failpoint('action.before_commit');
        return { reply: { action, replayed: false }, applied };
      });
    } catch (error) {
      if (idempotencyKey && !existingActionId && !(error instanceof DomainError)) {
        const replay = await idempotency.replay(actor, idempotencyKey, type, model);
        if (replay) return { reply: replay };
      }
      if (error instanceof DomainError) await this.recordFailure(type, model, actor, reason, null, null, error, existingActionId);
      throw error;
    }
    if (result.reply.action.status !== 'running') this.count(model, type, result.reply.action.status);
    return result;
  }

  /**
   * Records an action whose effect needs no alias change, atomically with its audit entry
   * and idempotency key (the promotion ramp records its start and its abort this way).
   */
  async record(type: string, model: string, actor: Actor, reason: string, idempotencyKey: string | undefined, outcome: ActionOutcome): Promise<ActionReply> {
    return (await this.atomic(type, model, actor, reason, idempotencyKey, undefined, async () => ({ outcome }))).reply;
  }

  /** A refused promote/rollback is still an action worth seeing (audit, annotations, metrics). */
  async recordFailure(
    type: string,
    model: string,
    actor: Actor,
    reason: string,
    fromVersion: string | null,
    toVersion: string | null,
    error: DomainError,
    existingActionId?: string,
  ): Promise<void> {
    const { actions } = this.deps;
    const now = Date.now();
    const id = existingActionId ?? randomUUID();
    try {
      await actions.transaction(async (trx) => {
        if (existingActionId) {
          const existing = await actions.find(id, trx);
          const details = { ...fromJson<Record<string, unknown>>(existing?.details, {}), error: error.message };
          await actions.update(id, { status: 'failed', details: toJson(details), updated_at: now }, trx);
        } else {
          await actions.insert(
            {
              id,
              model,
              type,
              status: 'failed',
              from_version: fromVersion,
              to_version: toVersion,
              job_id: null,
              actor: actor.name,
              reason,
              idempotency_key: null,
              details: toJson({ error: error.message, code: error.code }),
              created_at: now,
              updated_at: now,
            },
            trx,
          );
        }
        await this.deps.audit.record({ type, status: 'failed', model, actor, reason, fromVersion, toVersion, details: { actionId: id, error: error.message } }, trx);
      });
      this.count(model, type, 'failed');
    } catch (recordError) {
      this.deps.logger.error({ err: recordError, model, type }, 'recording a failed action failed');
    }
  }

  /** Updates a running action (the promotion ramp reports its steps, a retrain job its progress). */
  async updateDetails(id: string, patch: Record<string, unknown>, status?: ActionStatus): Promise<Action> {
    const row = await this.deps.actions.find(id);
    if (!row) throw notFound(`action "${id}" not found`);
    const details = toJson({ ...fromJson<Record<string, unknown>>(row.details, {}), ...patch });
    await this.deps.actions.update(id, { details, updated_at: Date.now(), ...(status ? { status } : {}) });
    if (status && status !== row.status && status !== 'running') this.count(row.model, row.type, status);
    return toAction({ ...row, details, ...(status ? { status } : {}) });
  }
}
