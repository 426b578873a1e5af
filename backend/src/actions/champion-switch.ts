import type { Actor } from '../auth/roles.ts';
import { conflict, DomainError, invalid, notFound } from '../core/errors.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { ModelLookup } from '../registry/registry-ports.ts';
import type { AliasHistoryEntry, AliasName, ValidationStatus } from '../registry/version-schemas.ts';
import type { Aliases, AliasWriteOptions } from '../registry/versions.ts';
import type { ActionRecorder, Applied } from './action-recorder.ts';
import type { Trx } from './action-store.ts';
import type { ActionOutcome, ActionReply } from './action-types.ts';
import type { DeploymentCalls, PendingDeployment, VersionRows } from './deployment-calls.ts';
import { failpoint } from './failpoint.ts';
import type { Idempotency } from './idempotency.ts';
import type { RoutingChanges } from '../store/routing-notifications.ts';

/** The registry, as far as changing the champion needs it (VersionRegistry). */
export interface ChampionRegistry extends VersionRows {
  aliases(model: string, db?: Trx): Promise<Aliases>;
  aliasHistory(model: string, options: { alias: string; limit: number }): Promise<AliasHistoryEntry[]>;
  validations(model: string): Promise<Map<string, ValidationStatus>>;
  setAlias(model: string, alias: AliasName, version: string | null, actor: Actor, reason: string, options: AliasWriteOptions): Promise<unknown>;
  /** Loads and warms the version (throws when it cannot serve). */
  ensureLoaded(model: string, version: string): Promise<unknown>;
}

/** The router, told the new aliases right after the switch commits. */
export interface AliasRouter {
  setAliases(model: string, aliases: Aliases): void;
}

export interface ChampionSwitchDeps {
  registry: ChampionRegistry;
  router: AliasRouter;
  recorder: ActionRecorder;
  idempotency: Idempotency;
  deployments: DeploymentCalls;
  models: ModelLookup;
  locks: KeyedMutex;
  /** Other replicas reload the model's routing when told (store/routing-notifications.ts). */
  routing: RoutingChanges;
}

export type ChampionActionType = 'promote' | 'rollback';

interface Switched extends Applied {
  aliases: Aliases;
  deployment?: PendingDeployment;
}

/**
 * What promote, rollback and the promotion ramp's last step share. The switch is one
 * database transaction over the aliases, their history, the action, its audit entry and the
 * idempotency key, serialised per model (an in-process lock; on PostgreSQL also SELECT ...
 * FOR UPDATE on the model row). The router is switched right after the commit, with the new
 * version already loaded and warmed, so the next request is served by it and no request
 * ever finds no champion.
 */
export class ChampionSwitch {
  private readonly deps: ChampionSwitchDeps;

  constructor(deps: ChampionSwitchDeps) {
    this.deps = deps;
  }

  /**
   * Runs `work` under the model lock, unless the Idempotency-Key was used already: then its
   * first answer comes back (checked before and again under the lock).
   */
  async exclusive<T extends ActionReply | undefined = ActionReply>(
    type: ChampionActionType,
    model: string,
    reason: string | undefined,
    actor: Actor,
    idempotencyKey: string | undefined,
    work: () => Promise<T>,
  ): Promise<ActionReply | T> {
    if (!reason?.trim()) throw invalid('reason: must say why (it goes to the audit log)');
    await this.deps.models.get(model);
    const replay = () => (idempotencyKey ? this.deps.idempotency.replay(actor, idempotencyKey, type, model) : Promise.resolve(undefined));
    const first = await replay();
    if (first) return first;
    return this.deps.locks.run(model, async () => (await replay()) ?? work());
  }

  /** The target must exist, be able to serve and not be the champion already; it is loaded and warmed here. */
  async prepareTarget(model: string, target: string, champion: string | undefined, options: { refusePending: boolean }): Promise<void> {
    const row = await this.deps.registry.findRow(model, target);
    if (!row) throw notFound(`version "${target}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);
    if (row.validation === 'failed') throw new DomainError('failed_precondition', `version "${target}" failed validation and never serves`);
    if (options.refusePending && row.validation === 'pending') {
      throw new DomainError('failed_precondition', `version "${target}" is still being validated; promote it once its validation has passed`);
    }
    if (target === champion) throw conflict(`version "${target}" is already the champion of "${model}"`);
    await this.deps.registry.ensureLoaded(model, target);
  }

  /** A refused promote/rollback, recorded as a failed action before the error goes on. */
  async refused(type: ChampionActionType, model: string, actor: Actor, reason: string, from: string | undefined, to: string | undefined, error: unknown): Promise<never> {
    if (error instanceof DomainError) await this.deps.recorder.recordFailure(type, model, actor, reason, from ?? null, to ?? null, error);
    throw error;
  }

  /**
   * The champion switch: one transaction, then the router and the deployment hook. Callers
   * hold the model lock and have loaded `target`. The ramp's last step passes its action id.
   */
  async apply(
    type: ChampionActionType,
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
    const { reply, applied } = await this.deps.recorder.atomic(type, model, actor, reason, idempotencyKey, existingActionId, async (trx, actionId): Promise<Switched> => {
      const before = await registry.aliases(model, trx);
      if ((before.champion ?? null) !== expectedChampion) {
        throw conflict(`the champion of "${model}" changed while this ${type} was prepared (now ${before.champion ?? 'none'}); try again`);
      }
      await registry.setAlias(model, 'champion', target, actor, reason, { db: trx, type, actionId });
      if (type === 'promote' && before.challenger === target) {
        await registry.setAlias(model, 'challenger', null, actor, reason, { db: trx, type, actionId });
      }
      const aliases = await registry.aliases(model, trx);
      const details = { ...extraDetails };
      const outcome: ActionOutcome = { status: 'succeeded', fromVersion: expectedChampion, toVersion: target, details };
      const change = { type, actionId, model, fromVersion: expectedChampion, toVersion: target, actor: actor.name, reason };
      const deployment = await this.deps.deployments.prepare(trx, change, details);
      return { outcome, aliases, ...(deployment ? { deployment } : {}) };
    });
    failpoint('action.after_commit');
    if (applied) this.deps.router.setAliases(model, applied.aliases);
    if (applied) this.deps.routing.notify(model);
    if (applied?.deployment) this.deps.deployments.dispatch(reply.action.id, applied.deployment);
    return reply;
  }
}
