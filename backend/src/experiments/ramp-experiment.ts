/**
 * Use case: new weights for a running experiment (PATCH, a ramp). The buckets are reallocated
 * with the minimal-move scheme (only Σ max(0, old − new) of them change arm, assignment.ts);
 * every split is kept with its start time, so the SRM check expects the right mix of splits.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict, invalid } from '../core/errors.ts';
import { allocateBuckets, movedFraction } from '../serving/assignment.ts';
import { warmArms, type VersionLoader } from './create-experiment.ts';
import type { ExperimentFinder } from './experiment-results.ts';
import type { Weights } from './experiment-schemas.ts';
import type { Experiment, ExperimentStore } from './experiment-store.ts';
import { roundWeight, toView, weightMap, type ExperimentView } from './experiment-view.ts';
import type { RunningExperimentsSync } from './running-sync.ts';
import type { RoutingChanges } from '../store/routing-notifications.ts';

export interface RampExperimentDeps {
  rows: ExperimentStore;
  experiments: ExperimentFinder;
  audit: AuditLog;
  serving: VersionLoader;
  running: RunningExperimentsSync;
  /** Other replicas reload the model's routing when told (store/routing-notifications.ts). */
  routing: RoutingChanges;
  clock: Clock;
  logger: Logger;
}

export class RampExperiment {
  private readonly deps: RampExperimentDeps;

  constructor(deps: RampExperimentDeps) {
    this.deps = deps;
  }

  /** Weights in arm order, or {arm: weight} (arms not named keep theirs); answers the share of units that changed arm. */
  async run(id: string, weights: Weights, actor: Actor, reason?: string): Promise<{ experiment: ExperimentView; movedFraction: number; notes: string[] }> {
    const e = await this.deps.experiments.find(id);
    if (e.status !== 'running') throw conflict(`experiment "${id}" is ${e.status}; only a running experiment can be ramped`);
    const next = weightsInArmOrder(e, weights);
    const total = next.reduce((s, w) => s + w, 0);
    if (!(total > 0)) throw invalid('weights: at least one arm needs a positive weight');
    const notes: string[] = [];
    if (Math.abs(total - 1) > 1e-9) notes.push(`weights normalised to sum 1 (they summed to ${roundWeight(total)})`);
    const arms = e.arms.map((a, i) => ({ ...a, weight: roundWeight(next[i]! / total) }));
    const allocation = allocateBuckets(arms, e.allocation);
    const moved = movedFraction(e.allocation, allocation);
    const now = this.deps.clock.now();
    const updated: Experiment = { ...e, arms, allocation, weightHistory: [...e.weightHistory, { at: now, weights: arms.map((a) => a.weight) }], updatedAt: now };
    if (!(await this.deps.rows.saveAllocation(updated))) throw conflict(`experiment "${id}" was stopped meanwhile`);
    await this.deps.audit.record({
      type: 'experiment.reweighted',
      model: e.model,
      actor,
      reason: reason ?? `experiment ${id}: weights changed`,
      details: { experimentId: id, from: weightMap(e.arms), to: weightMap(arms), movedFraction: moved },
    });
    this.deps.running.publish(updated);
    this.deps.routing.notify(updated.model);
    warmArms(this.deps, updated);
    notes.push(`${roundWeight(moved * 100)}% of units changed arm (the minimum for this change)`);
    return { experiment: toView(updated), movedFraction: moved, notes };
  }
}

/** The request's weights (each ≥ 0, checked by the route) matched to the experiment's arms. */
function weightsInArmOrder(e: Experiment, weights: Weights): number[] {
  if (Array.isArray(weights)) {
    if (weights.length !== e.arms.length) {
      throw invalid(`weights: one weight per arm (${e.arms.length}: ${e.arms.map((a) => a.name).join(', ')}), got ${weights.length}`);
    }
    return weights;
  }
  const names = new Set(e.arms.map((a) => a.name));
  for (const name of Object.keys(weights)) if (!names.has(name)) throw invalid(`weights.${name}: no such arm (arms: ${[...names].join(', ')})`);
  return e.arms.map((a) => weights[a.name] ?? a.weight);
}
