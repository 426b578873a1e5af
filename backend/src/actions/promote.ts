import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import type { ActionReply, PromoteInput } from './action-types.ts';
import type { ChampionRegistry, ChampionSwitch } from './champion-switch.ts';
import type { RampStart } from './promotion-ramp.ts';

/** The promotion ramp, as promote starts it (actions/promotion-ramp.ts). */
export interface RampStarter {
  start(input: RampStart): Promise<ActionReply>;
  /** Ends a running gradual rollback (this promote supersedes it). */
  supersede(model: string, actor: Actor, reason: string): Promise<void>;
}

export interface PromoteDeps {
  registry: ChampionRegistry;
  champions: ChampionSwitch;
  ramp: RampStarter;
}

/**
 * Makes a version (default: the challenger) the champion: directly, or (`strategy: "canary"`)
 * through the promotion ramp, which switches the champion at its last step.
 */
export class Promote {
  private readonly deps: PromoteDeps;

  constructor(deps: PromoteDeps) {
    this.deps = deps;
  }

  promote(model: string, input: PromoteInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    const { registry, champions } = this.deps;
    return champions.exclusive('promote', model, input.reason, actor, idempotencyKey, async () => {
      let target: string | undefined = input.version;
      let champion: string | undefined;
      try {
        const aliases = await registry.aliases(model);
        champion = aliases.champion;
        target ??= aliases.challenger;
        if (!target) {
          throw new DomainError('failed_precondition', `model "${model}" has no challenger; say which version to promote ("version")`);
        }
        await champions.prepareTarget(model, target, champion, { refusePending: true });
        await this.deps.ramp.supersede(model, actor, input.reason);
        if ((input.strategy ?? 'direct') === 'canary') {
          if (!champion) throw new DomainError('failed_precondition', `model "${model}" has no champion yet, so there is nothing to ramp from; promote directly`);
          return await this.deps.ramp.start({
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
        return champions.refused('promote', model, actor, input.reason, champion, target, error);
      }
      return champions.apply('promote', model, target, champion ?? null, input.reason, actor, idempotencyKey);
    });
  }
}
