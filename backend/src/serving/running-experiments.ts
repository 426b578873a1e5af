/**
 * The running experiment of each model, as serving routes by it: the version each arm serves
 * and the experiment's bucket assignment (its salt and allocation, serving/assignment.ts).
 *
 * The experiments area writes it (on create, ramp and stop, and from its periodic re-read of
 * the store, which brings changes made by other replicas); the router reads it per request,
 * and ServingService loads its versions at start. Serving never calls the experiments area:
 * this table is the whole contract between the two.
 */
import { BUCKET_COUNT, type ArmRouter } from './assignment.ts';

export interface RunningExperiment {
  experimentId: string;
  /** Arm 0 is the control. */
  arms: readonly { name: string; version: string }[];
  /** The assignment's salt (with router.allocation, what the serving thread rebuilds the router from). */
  salt: string;
  /** Unit → arm for the experiment's salt and allocation. */
  router: ArmRouter;
}

/** A unit's arm in the model's running experiment, and the version that arm serves. */
export interface ExperimentAssignment {
  experimentId: string;
  arm: string;
  version: string;
}

/** What the router reads. */
export interface ExperimentAssignments {
  assign(model: string, unitId?: string | null): ExperimentAssignment | undefined;
}

/** What ServingService reads: the versions to keep loaded for the running experiments. */
export interface ExperimentVersions {
  versions(): Array<{ model: string; version: string }>;
}

export class RunningExperiments implements ExperimentAssignments, ExperimentVersions {
  private entries = new Map<string, RunningExperiment>();
  private readonly listeners: Array<(models: string[]) => void> = [];

  /** Called with the models whose entry may have changed (the serving thread copies them). */
  subscribe(listener: (models: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Models with a running experiment. */
  models(): string[] {
    return [...this.entries.keys()];
  }

  private changed(models: string[]): void {
    for (const listener of this.listeners) listener(models);
  }

  get(model: string): RunningExperiment | undefined {
    return this.entries.get(model);
  }

  set(model: string, entry: RunningExperiment): void {
    this.entries.set(model, entry);
    this.changed([model]);
  }

  /** Forgets the model's entry if it is still that experiment's. */
  remove(model: string, experimentId: string): void {
    if (this.entries.get(model)?.experimentId !== experimentId) return;
    this.entries.delete(model);
    this.changed([model]);
  }

  /** Swaps the whole table at once (a request sees the old one or the new one). */
  replaceAll(entries: Map<string, RunningExperiment>): void {
    const models = new Set([...this.entries.keys(), ...entries.keys()]);
    this.entries = entries;
    this.changed([...models]);
  }

  /**
   * The unit's arm and version; undefined when the model runs no experiment. Deterministic in
   * (salt, allocation, unitId); without a unit id, a random arm by weight.
   */
  assign(model: string, unitId?: string | null): ExperimentAssignment | undefined {
    const entry = this.entries.get(model);
    if (!entry) return undefined;
    const arm =
      unitId === undefined || unitId === null
        ? entry.router.armForBucket(Math.floor(Math.random() * BUCKET_COUNT))
        : entry.router.assign(String(unitId));
    const version = entry.arms.find((a) => a.name === arm)?.version;
    return version === undefined ? undefined : { experimentId: entry.experimentId, arm, version };
  }

  versions(): Array<{ model: string; version: string }> {
    const out = new Map<string, { model: string; version: string }>();
    for (const [model, entry] of this.entries) {
      for (const a of entry.arms) out.set(`${model}\u0000${a.version}`, { model, version: a.version });
    }
    return [...out.values()];
  }
}
