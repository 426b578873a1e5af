/**
 * Use case: the rollback an alert asks for, aimed at the version the alert is about (its
 * `version` label), so that a failing challenger never demotes a healthy champion:
 * - the champion: a running experiment serving it ends (decision none), a running ramp
 *   ends, and the previous champion serves;
 * - a treatment of the running experiment (a retrain's canary is one): the experiment stops
 *   with decision rollback (none when its control is not the champion), the champion stays;
 * - the canary of a promotion ramp: the ramp ends, all traffic on the champion;
 * - a version nothing serves: nothing to stop and no action; the champion stays.
 * Without a version: a running experiment against the champion stops (decision rollback),
 * else the plain rollback (actions/rollback.ts: a running ramp ends, else the previous
 * champion serves).
 * What was decided, on which version and why comes back as `target`; the alert decision
 * and its audit entry carry it (alerts/perform-action.ts).
 */
import type { Actor } from '../auth/roles.ts';
import type { ExperimentQuery } from '../experiments/experiment-store.ts';
import type { ExperimentView } from '../experiments/experiment-view.ts';
import type { ActionService } from './action-service.ts';
import type { Action } from './action-types.ts';
import type { ChampionLookup, StopInput, StopResult } from './stop-experiment.ts';

export const targetRoles = ['champion', 'experiment_arm', 'canary', 'not_serving', 'unnamed'] as const;
export type TargetRole = (typeof targetRoles)[number];

export interface RollbackTarget {
  /** The version the alert is about (null: the alert named none). */
  version: string | null;
  role: TargetRole;
  championBefore: string | null;
  championAfter: string | null;
  experimentId: string | null;
  /** What was done and why, in words. */
  decision: string;
}

export interface TargetedRollbackReply {
  action: Action | null;
  replayed: boolean;
  target: RollbackTarget;
}

export interface TargetedRollbackDeps {
  champions: ChampionLookup;
  experiments: {
    list(q: ExperimentQuery): Promise<ExperimentView[]>;
    stop(id: string, input: StopInput, actor: Actor, idempotencyKey?: string): Promise<StopResult>;
  };
  actions: Pick<ActionService, 'rollback' | 'rollbackChampion' | 'endCanary'>;
}

export class TargetedRollback {
  private readonly deps: TargetedRollbackDeps;

  constructor(deps: TargetedRollbackDeps) {
    this.deps = deps;
  }

  async rollback(model: string, input: { reason: string; version?: string | undefined }, actor: Actor, idempotencyKey: string): Promise<TargetedRollbackReply> {
    const version = input.version?.trim() || null;
    const championBefore = await this.champion(model);
    const experiment = (await this.deps.experiments.list({ model, status: 'running' }))[0];
    const c: Case = { model, reason: input.reason, actor, key: idempotencyKey, version, championBefore, experiment };
    if (version === null) return this.unnamed(c);
    if (version === championBefore) return this.ofChampion(c, version);
    if (experiment?.arms.some((a) => a.version === version)) return this.ofArm(c, version, experiment);
    const ended = await this.deps.actions.endCanary(model, version, { reason: c.reason }, actor, idempotencyKey);
    if (ended) {
      const decision = `the alert is about ${version}, the canary of a promotion ramp: the ramp ended, all traffic on the champion ${championBefore ?? 'none'}`;
      return withTarget(ended, await this.target(c, 'canary', decision));
    }
    // Nothing changes, so no action is recorded: the alert's decision and its audit entry say why.
    const decision = `the alert is about ${version}, which serves no traffic (not the champion ${championBefore ?? 'none'}, in no running experiment or canary): nothing to stop, the champion stays`;
    return { action: null, replayed: false, target: await this.target(c, 'not_serving', decision) };
  }

  /** No version named: as with a ramp, "roll back" first ends a candidate's traffic (an experiment against the champion; a retrain's canary is one). */
  private async unnamed(c: Case): Promise<TargetedRollbackReply> {
    const { experiment, championBefore } = c;
    if (experiment && experiment.arms[0]!.version === championBefore) {
      const stopped = await this.deps.experiments.stop(experiment.id, { decision: 'rollback', reason: c.reason }, c.actor, c.key);
      const decision = `the alert names no version: stopped experiment ${experiment.id} against the champion ${championBefore} (decision rollback); the champion stays`;
      return withTarget(stopped, await this.target(c, 'unnamed', decision, experiment.id));
    }
    const reply = await this.deps.actions.rollback(c.model, { reason: c.reason }, c.actor, c.key);
    const after = await this.champion(c.model);
    const what = reply.action.details.canaryActionId ? `ended the canary ramp of ${reply.action.fromVersion}` : `rolled back the champion (${championBefore ?? 'none'} → ${after ?? 'none'})`;
    return withTarget(reply, await this.target(c, 'unnamed', `the alert names no version: ${what}`));
  }

  /** The champion misbehaves: an experiment serving it ends, then the champion is rolled back. */
  private async ofChampion(c: Case, version: string): Promise<TargetedRollbackReply> {
    const running = c.experiment?.arms.some((a) => a.version === version) ? c.experiment : undefined;
    if (running) await this.deps.experiments.stop(running.id, { decision: 'none', reason: c.reason }, c.actor, `${c.key}-experiment`);
    const reply = await this.deps.actions.rollbackChampion(c.model, version, { reason: c.reason }, c.actor, c.key);
    const after = await this.champion(c.model);
    const decision = `the alert is about the champion ${version}: rolled back to ${after ?? 'none'}${running ? `; experiment ${running.id}, which served it, stopped` : ''}`;
    return withTarget(reply, await this.target(c, 'champion', decision, running?.id ?? null));
  }

  /** An arm of the running experiment misbehaves: the experiment stops, the champion stays. */
  private async ofArm(c: Case, version: string, experiment: ExperimentView): Promise<TargetedRollbackReply> {
    const decision = experiment.arms[0]!.version === c.championBefore ? 'rollback' : 'none';
    const stopped = await this.deps.experiments.stop(experiment.id, { decision, reason: c.reason }, c.actor, c.key);
    const arm = experiment.arms.find((a) => a.version === version)!.name;
    const why = `the alert is about ${version} (arm "${arm}" of experiment ${experiment.id}), not the champion ${c.championBefore ?? 'none'}: stopped the experiment (decision ${decision}); ${version} serves nothing, the champion stays`;
    return withTarget(stopped, await this.target(c, 'experiment_arm', why, experiment.id));
  }

  private async target(c: Case, role: TargetRole, decision: string, experimentId: string | null = null): Promise<RollbackTarget> {
    return { version: c.version, role, championBefore: c.championBefore, championAfter: await this.champion(c.model), experimentId, decision };
  }

  private async champion(model: string): Promise<string | null> {
    return (await this.deps.champions.aliases(model)).champion ?? null;
  }
}

/** One rollback request, as the cases below see it. */
interface Case {
  model: string;
  reason: string;
  actor: Actor;
  key: string;
  version: string | null;
  championBefore: string | null;
  /** The model's running experiment (at most one runs per model). */
  experiment: ExperimentView | undefined;
}

const withTarget = (reply: { action: Action | null; replayed: boolean }, target: RollbackTarget): TargetedRollbackReply => ({ action: reply.action, replayed: reply.replayed, target });
