/**
 * Use case: stop an experiment with a decision, recorded as a `stop_experiment` action
 * (idempotency key, audit) with the results at that time:
 * - promote: the winning (or named) arm's version becomes champion (a promote action);
 * - rollback: the control's version is restored as champion if it is not any more;
 * - none: the champion stays.
 * It lives here, above experiments, because it changes the champion.
 */
import { roleAllows, type Actor } from '../auth/roles.ts';
import { conflict, DomainError, invalid } from '../core/errors.ts';
import type { Experiment, StopDecision } from '../experiments/experiment-store.ts';
import { toView, type ExperimentView } from '../experiments/experiment-view.ts';
import type { RecordExperimentStop } from '../experiments/record-stop.ts';
import { describeRecommendation, type ExperimentResults } from '../experiments/results.ts';
import type { ActionService } from './action-service.ts';
import type { Action, ActionOutcome } from './action-types.ts';

/** The action service, as far as a stop needs it. */
export type ExperimentActions = Pick<ActionService, 'promote' | 'rollback' | 'run'>;

/** The registry, as far as a stop needs it: the champion to compare with. */
export interface ChampionLookup {
  aliases(model: string): Promise<{ champion?: string | undefined }>;
}

export interface StopExperimentDeps {
  experiments: { find(id: string): Promise<Experiment> };
  results: { of(e: Experiment): Promise<ExperimentResults> };
  record: RecordExperimentStop;
  champions: ChampionLookup;
  actions: ExperimentActions;
}

export interface StopInput {
  decision: StopDecision;
  reason?: string | undefined;
  /** promote: which arm's version (default: the recommended winner, or the only treatment). */
  arm?: string | undefined;
}

export interface StopResult {
  experiment: ExperimentView;
  action: Action | null;
  /** The recommendation when stopped (null when results could not be computed). */
  recommendation: string | null;
  /** The promote/rollback action the stop performed, if any. */
  championChange: Action | null;
  notes: string[];
  replayed: boolean;
}

const DECISIONS: readonly string[] = ['promote', 'rollback', 'none'] satisfies StopDecision[];

export class StopExperiment {
  private readonly deps: StopExperimentDeps;

  constructor(deps: StopExperimentDeps) {
    this.deps = deps;
  }

  async run(id: string, input: StopInput, actor: Actor, idempotencyKey?: string): Promise<StopResult> {
    // Checked here too: alert policies and autoDecide stop experiments without the route.
    const decision = input?.decision;
    if (!DECISIONS.includes(decision)) throw invalid(`decision: one of promote, rollback, none; got ${String(decision)}`);
    if (decision !== 'none' && !roleAllows(actor.role, 'admin')) {
      throw new DomainError(
        'permission_denied',
        `decision "${decision}" changes the champion and needs the "admin" permission; stop with decision "none" and ask an admin to ${decision}`,
      );
    }
    const e = await this.deps.experiments.find(id);
    if (e.status !== 'running' && !idempotencyKey) throw conflict(alreadyStopped(e));

    const notes: string[] = [];
    let results: ExperimentResults | null = null;
    let championChange: Action | null = null;
    const work = async (): Promise<ActionOutcome> => {
      const current = await this.deps.experiments.find(id);
      if (current.status !== 'running') throw conflict(alreadyStopped(current));
      try {
        results = await this.deps.results.of(current);
      } catch (error) {
        notes.push(`results at stop could not be computed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const rec = results as ExperimentResults | null;
      const reason = input.reason?.trim() || `experiment ${id}: stopped with decision ${decision}${rec ? `; recommendation was ${describeRecommendation(rec)}` : ''}`;
      const change = await this.changeChampion(current, decision, rec, reason.startsWith(`experiment ${id}`) ? reason : `experiment ${id}: ${reason}`, input.arm, actor, notes);
      championChange = change.action;
      await this.deps.record.run(current, { decision, reason, actor, results });
      return {
        fromVersion: change.fromVersion,
        toVersion: change.toVersion,
        details: {
          experimentId: id,
          decision,
          recommendation: rec?.decision.recommendation ?? null,
          winner: rec?.decision.winner ?? null,
          championChangeActionId: change.action?.id ?? null,
          notes,
        },
      };
    };

    const reply = await this.deps.actions.run('stop_experiment', e.model, actor, input.reason?.trim() || `experiment ${id}: stop (${decision})`, idempotencyKey, work);
    const after = await this.deps.experiments.find(id);
    return {
      experiment: toView(after),
      action: reply.action,
      recommendation: (results as ExperimentResults | null)?.decision.recommendation ?? null,
      championChange,
      notes,
      replayed: reply.replayed,
    };
  }

  /** Promote the arm's version or restore the control's, unless it is already so (a note says). */
  private async changeChampion(
    current: Experiment,
    decision: StopDecision,
    rec: ExperimentResults | null,
    reason: string,
    armName: string | undefined,
    actor: Actor,
    notes: string[],
  ): Promise<{ action: Action | null; fromVersion: string | null; toVersion: string | null }> {
    const none = { action: null, fromVersion: null, toVersion: null };
    const champion = (await this.deps.champions.aliases(current.model)).champion;
    if (decision === 'promote') {
      const name = armName ?? rec?.decision.winner?.arm ?? (current.arms.length === 2 ? current.arms[1]!.name : undefined);
      if (name === undefined) throw invalid('arm: say which arm to promote (no winner is recommended and there are several treatments)');
      const arm = current.arms.find((a) => a.name === name);
      if (!arm) throw invalid(`arm: no arm "${name}" in experiment ${current.id} (arms: ${current.arms.map((a) => a.name).join(', ')})`);
      if (rec && rec.decision.recommendation !== 'promote') notes.push(`promoted against the recommendation (${rec.decision.recommendation})`);
      if (arm.version === champion) {
        notes.push(`version ${arm.version} is already the champion; nothing to promote`);
        return none;
      }
      const { action } = await this.deps.actions.promote(current.model, { version: arm.version, reason }, actor);
      return { action, fromVersion: champion ?? null, toVersion: arm.version };
    }
    if (decision === 'rollback') {
      const control = current.arms[0]!.version;
      if (champion === undefined) notes.push(`model "${current.model}" has no champion; nothing to roll back`);
      else if (champion === control) notes.push(`the control's version ${control} is still the champion; nothing to roll back`);
      else {
        const { action } = await this.deps.actions.rollback(current.model, { toVersion: control, reason }, actor);
        return { action, fromVersion: champion, toVersion: control };
      }
    }
    return none;
  }
}

const alreadyStopped = (e: Experiment): string => `experiment "${e.id}" is already stopped (decision ${e.decision ?? 'none'})`;
