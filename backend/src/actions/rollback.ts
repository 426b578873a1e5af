import type { Actor } from '../auth/roles.ts';
import { conflict, DomainError } from '../core/errors.ts';
import type { SessionStatus } from '../onnx/session-pool.ts';
import type { ActionReply, RollbackInput } from './action-types.ts';
import { rollbackTarget } from './champion-stack.ts';
import type { ChampionRegistry, ChampionSwitch } from './champion-switch.ts';
import type { RampStarter } from './promote.ts';

/** The promotion ramp, as a rollback stops or starts it (actions/promotion-ramp.ts). */
export interface RampAborter extends RampStarter {
  /** Aborts a running canary ramp of the model (only one of `onlyVersion` when given); answers its action, or undefined when none runs. */
  abort(model: string, actor: Actor, reason: string, idempotencyKey: string | undefined, onlyVersion?: string): Promise<ActionReply | undefined>;
}

/** A gradual rollback's defaults: half the traffic, a tenth, then none on the champion, a minute each. */
const GRADUAL_STEPS = [50, 10, 0];
const GRADUAL_STEP_MS = 60_000;

/** Which loaded versions failed to load (SessionPool): those are no rollback target. */
export interface SessionStatuses {
  status(model: string, version: string): { status: SessionStatus };
}

export interface RollbackDeps {
  registry: ChampionRegistry;
  champions: ChampionSwitch;
  ramp: RampAborter;
  sessions: SessionStatuses;
}

/**
 * Makes the previous champion (or `toVersion`) serve again; stops a running ramp first. Instant
 * by default; `mode: "gradual"` steps the champion's traffic down to the target as a ramp
 * (actions/promotion-ramp.ts, leased like a canary), the switch at its last step.
 */
export class Rollback {
  private readonly deps: RollbackDeps;

  constructor(deps: RollbackDeps) {
    this.deps = deps;
  }

  rollback(model: string, input: RollbackInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    return this.deps.champions.exclusive('rollback', model, input.reason, actor, idempotencyKey, async () => {
      if (!input.toVersion) {
        // A running ramp is what "roll back" means first: all traffic back to the champion (a canary's share is the small one).
        const aborted = await this.deps.ramp.abort(model, actor, input.reason, idempotencyKey);
        if (aborted) return aborted;
      }
      if (input.mode !== 'gradual') await this.deps.ramp.supersede(model, actor, input.reason);
      return this.switchBack(model, input, actor, idempotencyKey);
    });
  }

  /**
   * Rolls back the champion because `version`, the champion, misbehaves (an alert named it):
   * a running ramp ends first (its canary was judged against this champion), then the
   * previous champion serves. Refused when `version` is no longer the champion.
   */
  rollbackChampion(model: string, version: string, input: { reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    return this.deps.champions.exclusive('rollback', model, input.reason, actor, idempotencyKey, async () => {
      const champion = (await this.deps.registry.aliases(model)).champion;
      if (champion !== version) {
        const error = conflict(`version "${version}" is not the champion of "${model}" any more (now ${champion ?? 'none'}); nothing to roll back`);
        return this.deps.champions.refused('rollback', model, actor, input.reason, champion, undefined, error);
      }
      await this.deps.ramp.abort(model, actor, input.reason, undefined);
      await this.deps.ramp.supersede(model, actor, input.reason);
      return this.switchBack(model, input, actor, idempotencyKey);
    });
  }

  /** Ends the canary ramp of `version` with all traffic on the champion; undefined when no ramp of it runs. */
  endCanary(model: string, version: string, input: { reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReply | undefined> {
    return this.deps.champions.exclusive('rollback', model, input.reason, actor, idempotencyKey, () =>
      this.deps.ramp.abort(model, actor, input.reason, idempotencyKey, version),
    );
  }

  /** Under the model lock: the champion switch to `toVersion` or the previous champion (gradual: its ramp). */
  private async switchBack(model: string, input: { reason: string; toVersion?: string | undefined; mode?: RollbackInput['mode']; steps?: number[] | undefined; stepMs?: number | undefined }, actor: Actor, idempotencyKey: string | undefined): Promise<ActionReply> {
    const { registry, champions } = this.deps;
    let champion: string | undefined;
    let target: string | undefined = input.toVersion;
    try {
      champion = (await registry.aliases(model)).champion;
      if (!champion && !target) throw new DomainError('failed_precondition', `model "${model}" has no champion; there is nothing to roll back`);
      target ??= await this.previousChampion(model, champion);
      await champions.prepareTarget(model, target, champion, { refusePending: false });
      if (input.mode === 'gradual') {
        if (!champion) throw new DomainError('failed_precondition', `model "${model}" has no champion to step down from; roll back instantly`);
        return await this.deps.ramp.start({
          kind: 'rollback',
          model,
          version: target,
          champion,
          steps: (input.steps ?? GRADUAL_STEPS).map((share) => 100 - share),
          stepSeconds: (input.stepMs ?? GRADUAL_STEP_MS) / 1000,
          reason: input.reason,
          actor,
          idempotencyKey,
        });
      }
    } catch (error) {
      return champions.refused('rollback', model, actor, input.reason, champion, target, error);
    }
    return champions.apply('rollback', model, target, champion ?? null, input.reason, actor, idempotencyKey);
  }

  /** The newest earlier champion that can serve (actions/champion-stack.ts). */
  private async previousChampion(model: string, champion: string | undefined): Promise<string> {
    const validation = await this.deps.registry.validations(model);
    const history = (await this.deps.registry.aliasHistory(model, { alias: 'champion', limit: 10_000 })).reverse();
    const canServe = (v: string) => validation.has(v) && validation.get(v) !== 'failed' && this.deps.sessions.status(model, v).status !== 'failed';
    const target = rollbackTarget(history, champion, canServe);
    if (!target) {
      throw new DomainError('failed_precondition', `model "${model}" has no earlier champion that can serve; say which version to roll back to ("toVersion")`);
    }
    return target;
  }
}
