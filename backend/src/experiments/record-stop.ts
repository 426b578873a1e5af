/**
 * The experiments' half of a stop: the experiment is marked stopped in the store (once,
 * across replicas) with the results at that time, and stops routing. What the stop does to
 * the champion, and its action record, are the actions layer's (actions/stop-experiment.ts).
 */
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict } from '../core/errors.ts';
import type { Experiment, ExperimentStore, StopDecision } from './experiment-store.ts';
import type { ExperimentResults } from './results.ts';
import type { RunningExperimentsSync } from './running-sync.ts';
import type { RoutingChanges } from '../store/routing-notifications.ts';

export interface RecordStopDeps {
  rows: ExperimentStore;
  running: RunningExperimentsSync;
  /** Other replicas reload the model's routing when told (store/routing-notifications.ts). */
  routing: RoutingChanges;
  clock: Clock;
}

export interface StopRecord {
  decision: StopDecision;
  reason: string;
  actor: Actor;
  /** Kept with the experiment (null when they could not be computed). */
  results: ExperimentResults | null;
}

export class RecordExperimentStop {
  private readonly deps: RecordStopDeps;

  constructor(deps: RecordStopDeps) {
    this.deps = deps;
  }

  /** Throws conflict when another stop got there first. */
  async run(current: Experiment, stop: StopRecord): Promise<Experiment> {
    const now = this.deps.clock.now();
    const stopped: Experiment = { ...current, status: 'stopped', stoppedAt: now, stoppedBy: stop.actor.name, decision: stop.decision, stopReason: stop.reason, updatedAt: now };
    if (!(await this.deps.rows.markStopped(stopped, stop.results))) throw conflict(`experiment "${current.id}" was stopped meanwhile`);
    this.deps.running.publish(stopped);
    this.deps.routing.notify(stopped.model);
    return stopped;
  }
}
