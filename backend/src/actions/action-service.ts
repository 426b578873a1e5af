import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { conflict, DomainError, invalid, notFound } from '../core/errors.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { ModelService } from '../models/model-service.ts';
import { lockModelRow, type Aliases, type VersionRegistry } from '../registry/versions.ts';
import type { TrafficRouter } from '../serving/router.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { ActionsTable, Database } from '../store/schema.ts';
import {
  type Action,
  type ActionOutcome,
  type ActionReply,
  type ActionStatus,
  type PromoteInput,
  type RollbackInput,
} from './action-types.ts';
import { rollbackTarget } from './champion-stack.ts';
import { failpoint } from './failpoint.ts';
import {
  deliverDeployment,
  deploymentTarget,
  type DeliveryOptions,
  type DeploymentPayload,
  type DeploymentTarget,
} from './deployment-hook.ts';

export interface ActionServiceDeps {
  store: Store;
  audit: AuditLog;
  models: ModelService;
  registry: VersionRegistry;
  router: TrafficRouter;
  pool: SessionPool;
  locks: KeyedMutex;
  logger: Logger;
  metrics: Registry;
  deployment: DeliveryOptions;
}

/** The canary ramp plugs in here (actions/canary.ts); without it canary requests are refused. */
export interface CanaryStarter {
  start(input: CanaryStart): Promise<ActionReply>;
  /** Aborts a running ramp of the model; answers its action, or undefined when none runs. */
  abort(model: string, actor: Actor, reason: string, idempotencyKey: string | undefined): Promise<ActionReply | undefined>;
}

export interface CanaryStart {
  model: string;
  version: string;
  champion: string;
  steps: number[];
  stepSeconds: number;
  reason: string;
  actor: Actor;
  idempotencyKey: string | undefined;
}

type Trx = Transaction<Database>;

/** Result of the transactional part of an action. */
interface Applied {
  outcome: ActionOutcome;
  aliases?: Aliases;
  deployment?: { target: DeploymentTarget; payload: Omit<DeploymentPayload, 'timestamp'> };
}

const actorName = (actor: Actor | string): string => (typeof actor === 'string' ? actor : actor.name);

/**
 * Actions that change what serves, and any other area's actions (retrain, experiment stop)
 * through `run`. Each is recorded (table `actions`, API.md shape), audited (what Grafana
 * shows as annotations), counted (modelwatch_actions_total) and honours an Idempotency-Key:
 * the same key from the same caller answers the first result again.
 *
 * Promote and rollback are one database transaction over the aliases, their history, the
 * action, its audit entry and the idempotency key, serialised per model (an in-process lock;
 * on PostgreSQL also SELECT ... FOR UPDATE on the model row). The router is switched right
 * after the commit, with the new version already loaded and warmed, so the next request is
 * served by it and no request ever finds no champion.
 */
export class ActionService {
  private readonly deps: ActionServiceDeps;
  private readonly counter: Counter<'model' | 'type' | 'status'>;
  private readonly deliveries = new Set<Promise<void>>();
  canary: CanaryStarter | undefined;

  constructor(deps: ActionServiceDeps) {
    this.deps = deps;
    this.counter = new Counter({
      name: 'modelwatch_actions_total',
      help: 'Actions (promote, rollback, retrain, ...) by model, type and final status (counted when they end).',
      labelNames: ['model', 'type', 'status'] as const,
      registers: [deps.metrics],
    });
  }

  // ------------------------------------------------------------------ promote / rollback

  async promote(model: string, input: PromoteInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    if (!input.reason?.trim()) throw invalid('reason: must say why (it goes to the audit log)');
    await this.deps.models.get(model);
    const replay = idempotencyKey ? await this.replay(actor, idempotencyKey, 'promote', model) : undefined;
    if (replay) return replay;
    return this.deps.locks.run(model, async () => {
      const again = idempotencyKey ? await this.replay(actor, idempotencyKey, 'promote', model) : undefined;
      if (again) return again;
      const { registry } = this.deps;
      let target: string | undefined = input.version;
      let champion: string | undefined;
      try {
        const aliases = await registry.aliases(model);
        champion = aliases.champion;
        target ??= aliases.challenger;
        if (!target) {
          throw new DomainError('failed_precondition', `model "${model}" has no challenger; say which version to promote ("version")`);
        }
        const row = await registry.findRow(model, target);
        if (!row) throw notFound(`version "${target}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);
        if (row.validation === 'failed') throw new DomainError('failed_precondition', `version "${target}" failed validation and never serves`);
        if (row.validation === 'pending') {
          throw new DomainError('failed_precondition', `version "${target}" is still being validated; promote it once its validation has passed`);
        }
        if (target === champion) throw conflict(`version "${target}" is already the champion of "${model}"`);
        await registry.ensureLoaded(model, target);
        if ((input.strategy ?? 'direct') === 'canary') {
          if (!this.canary) throw new DomainError('failed_precondition', 'canary promotion is not available in this service build; use strategy "direct"');
          if (!champion) throw new DomainError('failed_precondition', `model "${model}" has no champion yet, so there is nothing to ramp from; promote directly`);
          return await this.canary.start({
            model,
            version: target,
            champion,
            steps: input.steps ?? [10, 50, 100],
            stepSeconds: input.stepSeconds ?? 300,
            reason: input.reason,
            actor,
            idempotencyKey,
          });
        }
      } catch (error) {
        if (error instanceof DomainError) await this.recordFailure('promote', model, actor, input.reason, champion ?? null, target ?? null, error);
        throw error;
      }
      return this.switchChampion('promote', model, target, champion ?? null, input.reason, actor, idempotencyKey);
    });
  }

  async rollback(model: string, input: RollbackInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    if (!input.reason?.trim()) throw invalid('reason: must say why (it goes to the audit log)');
    await this.deps.models.get(model);
    const replay = idempotencyKey ? await this.replay(actor, idempotencyKey, 'rollback', model) : undefined;
    if (replay) return replay;
    return this.deps.locks.run(model, async () => {
      const again = idempotencyKey ? await this.replay(actor, idempotencyKey, 'rollback', model) : undefined;
      if (again) return again;
      if (!input.toVersion && this.canary) {
        // A running canary is what "roll back" means first: all traffic back to the champion.
        const aborted = await this.canary.abort(model, actor, input.reason, idempotencyKey);
        if (aborted) return aborted;
      }
      const { registry, pool } = this.deps;
      let champion: string | undefined;
      let target: string | undefined = input.toVersion;
      try {
        champion = (await registry.aliases(model)).champion;
        if (!champion && !target) throw new DomainError('failed_precondition', `model "${model}" has no champion; there is nothing to roll back`);
        if (!target) {
          const rows = await this.deps.store.db.selectFrom('model_versions').select(['version', 'validation']).where('model', '=', model).execute();
          const validation = new Map(rows.map((r) => [r.version, r.validation]));
          const history = (await registry.aliasHistory(model, { alias: 'champion', limit: 10_000 })).reverse();
          target = rollbackTarget(history, champion, (v) => validation.has(v) && validation.get(v) !== 'failed' && pool.status(model, v).status !== 'failed');
          if (!target) {
            throw new DomainError('failed_precondition', `model "${model}" has no earlier champion that can serve; say which version to roll back to ("toVersion")`);
          }
        }
        const row = await registry.findRow(model, target);
        if (!row) throw notFound(`version "${target}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);
        if (row.validation === 'failed') throw new DomainError('failed_precondition', `version "${target}" failed validation and never serves`);
        if (target === champion) throw conflict(`version "${target}" is already the champion of "${model}"`);
        await registry.ensureLoaded(model, target);
      } catch (error) {
        if (error instanceof DomainError) await this.recordFailure('rollback', model, actor, input.reason, champion ?? null, target ?? null, error);
        throw error;
      }
      return this.switchChampion('rollback', model, target, champion ?? null, input.reason, actor, idempotencyKey);
    });
  }

  /**
   * The champion switch: one transaction, then the router. Callers hold the model lock and
   * have loaded `target`. Also used by the canary ramp's last step (with its action id).
   */
  async switchChampion(
    type: 'promote' | 'rollback',
    model: string,
    target: string,
    expectedChampion: string | null,
    reason: string,
    actor: Actor,
    idempotencyKey: string | undefined,
    existingActionId?: string,
    extraDetails: Record<string, unknown> = {},
  ): Promise<ActionReply> {
    const { registry } = this.deps;
    const applied = await this.atomic(type, model, actor, reason, idempotencyKey, existingActionId, async (trx, actionId) => {
      const before = await registry.aliases(model, trx);
      if ((before.champion ?? null) !== expectedChampion) {
        throw conflict(`the champion of "${model}" changed while this ${type} was prepared (now ${before.champion ?? 'none'}); try again`);
      }
      await registry.setAlias(model, 'champion', target, actor, reason, { db: trx, type, actionId });
      if (type === 'promote' && before.challenger === target) {
        await registry.setAlias(model, 'challenger', null, actor, reason, { db: trx, type, actionId });
      }
      const aliases = await registry.aliases(model, trx);
      const outcome: ActionOutcome = { status: 'succeeded', fromVersion: expectedChampion, toVersion: target, details: { ...extraDetails } };
      const applied: Applied = { outcome, aliases };
      const settings = await trx.selectFrom('models').select('settings').where('name', '=', model).executeTakeFirst();
      try {
        const hook = deploymentTarget(fromJson<Record<string, unknown>>(settings?.settings, {}));
        if (hook) {
          const version = await registry.findRow(model, target, trx);
          outcome.details!.deployment = { status: 'pending', url: hook.url };
          applied.deployment = {
            target: hook,
            payload: {
              event: type,
              actionId,
              model,
              fromVersion: expectedChampion,
              toVersion: target,
              actor: actor.name,
              reason,
              artifact: version
                ? { sha256: version.artifact_sha256, sizeBytes: Number(version.artifact_bytes), path: `/api/v1/models/${model}/versions/${target}/artifact` }
                : null,
            },
          };
        }
      } catch (error) {
        outcome.details!.deployment = { status: 'failed', error: (error as Error).message };
      }
      return applied;
    });
    failpoint('action.after_commit');
    if (applied.applied.aliases) this.deps.router.setAliases(model, applied.applied.aliases);
    if (applied.applied.deployment) this.dispatchDeployment(applied.reply.action.id, applied.applied.deployment);
    return applied.reply;
  }

  /**
   * Records an action whose effect needs no alias change, atomically with its audit entry
   * and idempotency key (the canary ramp records its start and its abort this way).
   */
  async record(type: string, model: string, actor: Actor, reason: string, idempotencyKey: string | undefined, outcome: ActionOutcome): Promise<ActionReply> {
    const { reply } = await this.atomic(type, model, actor, reason, idempotencyKey, undefined, async () => ({ outcome }));
    return reply;
  }

  // ------------------------------------------------------------------ generic actions

  /**
   * Records any action with the Idempotency-Key contract: reserves the key and a `running`
   * action, runs `work` (outside any transaction and outside the model lock, so `work` may
   * use the store and call other actions), then stores the outcome, its audit entry and the
   * reply for the key. A throw marks the action failed, frees the key and is rethrown.
   * A crash during `work` leaves the action `running` (visible, and replayed as such).
   */
  async run(
    type: string,
    model: string,
    actor: Actor | string,
    reason: string,
    idempotencyKey: string | undefined,
    work: (action: { id: string }) => Promise<ActionOutcome | void>,
  ): Promise<ActionReply> {
    await this.deps.models.get(model);
    const name = actorName(actor);
    if (idempotencyKey) {
      const replay = await this.replay(actor, idempotencyKey, type, model);
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
      await this.deps.store.db.transaction().execute(async (trx) => {
        if (idempotencyKey) await this.reserveKey(trx, name, idempotencyKey, type, model, id);
        await trx.insertInto('actions').values(row).execute();
      });
    } catch (error) {
      const replay = idempotencyKey ? await this.replay(actor, idempotencyKey, type, model) : undefined;
      if (replay) return replay;
      throw error;
    }
    let outcome: ActionOutcome;
    try {
      outcome = (await work({ id })) ?? {};
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.deps.store.db.transaction().execute(async (trx) => {
        await trx.updateTable('actions').set({ status: 'failed', details: toJson({ error: message }), updated_at: Date.now() }).where('id', '=', id).execute();
        if (idempotencyKey) await trx.deleteFrom('idempotency_keys').where('scope', '=', name).where('key', '=', idempotencyKey).execute();
        await this.deps.audit.record({ type, status: 'failed', model, actor, reason, details: { actionId: id, error: message } }, trx);
      });
      this.counter.inc({ model, type, status: 'failed' });
      throw error;
    }
    const final: ActionsTable = {
      ...row,
      status: outcome.status ?? 'succeeded',
      from_version: outcome.fromVersion ?? null,
      to_version: outcome.toVersion ?? null,
      job_id: outcome.jobId ?? null,
      details: toJson(outcome.details ?? {}),
      updated_at: Date.now(),
    };
    const action = toAction(final);
    await this.deps.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('actions')
        .set({ status: final.status, from_version: final.from_version, to_version: final.to_version, job_id: final.job_id, details: final.details, updated_at: final.updated_at })
        .where('id', '=', id)
        .execute();
      await this.deps.audit.record(
        { type, status: final.status, model, actor, reason, fromVersion: final.from_version, toVersion: final.to_version, jobId: final.job_id, details: { actionId: id, ...(outcome.details ?? {}) } },
        trx,
      );
      if (idempotencyKey) {
        await trx.updateTable('idempotency_keys').set({ response: toJson({ action }) }).where('scope', '=', name).where('key', '=', idempotencyKey).execute();
      }
    });
    // Counted once, by final status: a `running` action is counted when it ends (updateDetails).
    if (final.status !== 'running') this.counter.inc({ model, type, status: final.status });
    return { action, replayed: false };
  }

  // ------------------------------------------------------------------ reading

  async get(id: string): Promise<Action> {
    const row = await this.deps.store.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`action "${id}" not found`);
    return toAction(row);
  }

  async list(model: string, options: { type?: string | undefined; limit?: number | undefined } = {}): Promise<Action[]> {
    await this.deps.models.get(model);
    let q = this.deps.store.db.selectFrom('actions').selectAll().where('model', '=', model);
    if (options.type) q = q.where('type', '=', options.type);
    const rows = await q.orderBy('created_at', 'desc').limit(options.limit ?? 100).execute();
    return rows.map(toAction);
  }

  /** Updates a running action (the canary ramp reports its steps this way). */
  async updateDetails(id: string, patch: Record<string, unknown>, status?: ActionStatus): Promise<Action> {
    const row = await this.deps.store.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`action "${id}" not found`);
    const details = { ...fromJson<Record<string, unknown>>(row.details, {}), ...patch };
    await this.deps.store.db
      .updateTable('actions')
      .set({ details: toJson(details), updated_at: Date.now(), ...(status ? { status } : {}) })
      .where('id', '=', id)
      .execute();
    if (status && status !== row.status && status !== 'running') this.counter.inc({ model: row.model, type: row.type, status });
    return toAction({ ...row, details: toJson(details), ...(status ? { status } : {}) });
  }

  /** Resolves when deployment hooks in flight have finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.deliveries.size) await Promise.allSettled([...this.deliveries]);
  }

  // ------------------------------------------------------------------ internals

  /**
   * One transaction: (PostgreSQL) the model row lock, the idempotency key, the caller's
   * changes, the action row and its audit entry. A key already taken (another replica)
   * answers that request's result instead.
   */
  private async atomic(
    type: string,
    model: string,
    actor: Actor,
    reason: string,
    idempotencyKey: string | undefined,
    existingActionId: string | undefined,
    apply: (trx: Trx, actionId: string) => Promise<Applied>,
  ): Promise<{ reply: ActionReply; applied: Applied }> {
    const { store, audit } = this.deps;
    const id = existingActionId ?? randomUUID();
    let result: { reply: ActionReply; applied: Applied };
    try {
      result = await store.db.transaction().execute(async (trx) => {
        await lockModelRow(trx, store.dialect, model);
        if (idempotencyKey && !existingActionId) await this.reserveKey(trx, actor.name, idempotencyKey, type, model, id);
        const applied = await apply(trx, id);
        const { outcome } = applied;
        const now = Date.now();
        const existing = existingActionId ? await trx.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
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
          await trx.updateTable('actions').set(changes).where('id', '=', id).execute();
        } else {
          await trx.insertInto('actions').values(row).execute();
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
        const key = row.idempotency_key;
        if (key) {
          await trx.updateTable('idempotency_keys').set({ response: toJson({ action }) }).where('scope', '=', row.actor).where('key', '=', key).execute();
        }
        failpoint('action.before_commit');
        return { reply: { action, replayed: false }, applied };
      });
    } catch (error) {
      if (idempotencyKey && !existingActionId && !(error instanceof DomainError)) {
        const replay = await this.replay(actor, idempotencyKey, type, model);
        if (replay) return { reply: replay, applied: { outcome: {} } };
      }
      if (error instanceof DomainError) await this.recordFailure(type, model, actor, reason, null, null, error, existingActionId);
      throw error;
    }
    if (result.reply.action.status !== 'running') this.counter.inc({ model, type, status: result.reply.action.status });
    return result;
  }

  private async reserveKey(trx: Trx, scope: string, key: string, type: string, model: string, actionId: string): Promise<void> {
    await trx
      .insertInto('idempotency_keys')
      .values({ scope, key, request: toJson({ type, model }), action_id: actionId, response: null, created_at: Date.now() })
      .execute();
  }

  /** The stored answer for a key, or undefined when the key is new. */
  private async replay(actor: Actor | string, key: string, type: string, model: string): Promise<ActionReply | undefined> {
    if (key.length > 200) throw invalid('Idempotency-Key: at most 200 characters');
    const scope = actorName(actor);
    const row = await this.deps.store.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    const first = fromJson<{ type?: string; model?: string }>(row.request, {});
    if (first.type !== type || first.model !== model) {
      throw new DomainError(
        'failed_precondition',
        `Idempotency-Key "${key}" was already used for ${first.type ?? 'another action'} on model "${first.model ?? '?'}"; use a new key for a different request`,
      );
    }
    if (row.response) return { action: fromJson<{ action: Action }>(row.response, { action: undefined as never }).action, replayed: true };
    if (row.action_id) {
      const action = await this.deps.store.db.selectFrom('actions').selectAll().where('id', '=', row.action_id).executeTakeFirst();
      if (action) return { action: toAction(action), replayed: true };
    }
    return undefined;
  }

  /** A refused promote/rollback is still an action worth seeing (audit, annotations, metrics). */
  private async recordFailure(
    type: string,
    model: string,
    actor: Actor,
    reason: string,
    fromVersion: string | null,
    toVersion: string | null,
    error: DomainError,
    existingActionId?: string,
  ): Promise<void> {
    const now = Date.now();
    const id = existingActionId ?? randomUUID();
    try {
      await this.deps.store.db.transaction().execute(async (trx) => {
        if (existingActionId) {
          const existing = await trx.selectFrom('actions').select('details').where('id', '=', id).executeTakeFirst();
          const details = { ...fromJson<Record<string, unknown>>(existing?.details, {}), error: error.message };
          await trx.updateTable('actions').set({ status: 'failed', details: toJson(details), updated_at: now }).where('id', '=', id).execute();
        } else {
          await trx
            .insertInto('actions')
            .values({
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
            })
            .execute();
        }
        await this.deps.audit.record({ type, status: 'failed', model, actor, reason, fromVersion, toVersion, details: { actionId: id, error: error.message } }, trx);
      });
      this.counter.inc({ model, type, status: 'failed' });
    } catch (recordError) {
      this.deps.logger.error({ err: recordError, model, type }, 'recording a failed action failed');
    }
  }

  private dispatchDeployment(actionId: string, deployment: NonNullable<Applied['deployment']>): void {
    const work = (async () => {
      const payload: DeploymentPayload = { ...deployment.payload, timestamp: new Date().toISOString() };
      const outcome = await deliverDeployment(deployment.target, payload, this.deps.deployment);
      const level = outcome.status === 'delivered' ? 'info' : 'warn';
      this.deps.logger[level]({ actionId, model: payload.model, outcome }, 'deployment hook');
      try {
        await this.updateDetails(actionId, { deployment: outcome });
        await this.deps.audit.record({
          type: `deployment.${outcome.status}`,
          status: outcome.status === 'delivered' ? 'succeeded' : 'failed',
          model: payload.model,
          actor: 'system',
          reason: `${payload.event} ${payload.fromVersion ?? '-'} → ${payload.toVersion}`,
          fromVersion: payload.fromVersion,
          toVersion: payload.toVersion,
          details: { actionId, ...outcome },
        });
      } catch (error) {
        this.deps.logger.error({ err: error, actionId }, 'recording the deployment hook outcome failed');
      }
    })().finally(() => this.deliveries.delete(work));
    this.deliveries.add(work);
  }
}

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
