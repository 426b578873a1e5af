/**
 * `ctx.experiments`: A/B experiments between versions of a model, one entry point over the
 * use cases (experiments/ for create, ramp, reads and results; stop and autoDecide here,
 * because they change the champion). Assignment is serving's RunningExperiments table.
 */
import type { Actor } from '../auth/roles.ts';
import type { CreateExperiment } from '../experiments/create-experiment.ts';
import type { ExperimentResultsQuery } from '../experiments/experiment-results.ts';
import { parseCreateExperiment, type CreateExperimentInput, type Weights } from '../experiments/experiment-schemas.ts';
import type { ExperimentQuery } from '../experiments/experiment-store.ts';
import type { ExperimentView } from '../experiments/experiment-view.ts';
import type { RampExperiment } from '../experiments/ramp-experiment.ts';
import type { ReadExperiments } from '../experiments/read-experiments.ts';
import type { ExperimentResults } from '../experiments/results.ts';
import type { RunningExperimentsSync } from '../experiments/running-sync.ts';
import type { ExperimentAssignment, RunningExperiments } from '../serving/running-experiments.ts';
import type { AutoDecide, Evaluation } from './auto-decide.ts';
import type { StopExperiment, StopInput, StopResult } from './stop-experiment.ts';

export interface ExperimentServiceParts {
  create: CreateExperiment;
  ramp: RampExperiment;
  read: ReadExperiments;
  results: ExperimentResultsQuery;
  stop: StopExperiment;
  autoDecide: AutoDecide;
  sync: RunningExperimentsSync;
  table: RunningExperiments;
}

export class ExperimentService {
  private readonly parts: ExperimentServiceParts;

  constructor(parts: ExperimentServiceParts) {
    this.parts = parts;
  }

  /** Loads the running experiments into the routing table (before serving starts), then the autoDecide timer. */
  async start(): Promise<void> {
    await this.parts.sync.start();
    this.parts.autoDecide.start();
  }

  async close(): Promise<void> {
    await this.parts.autoDecide.close();
    await this.parts.sync.close();
  }

  /** A request the route has validated. */
  create(input: CreateExperimentInput, actor: Actor): Promise<{ experiment: ExperimentView; notes: string[] }> {
    return this.parts.create.run(input, actor);
  }

  /** For in-process callers (a retrain's trial experiment): validated as the route validates. */
  createChecked(input: unknown, actor: Actor): Promise<{ experiment: ExperimentView; notes: string[] }> {
    return this.parts.create.run(parseCreateExperiment(input), actor);
  }

  get(id: string): Promise<ExperimentView> {
    return this.parts.read.get(id);
  }

  list(q: ExperimentQuery = {}): Promise<ExperimentView[]> {
    return this.parts.read.list(q);
  }

  reweight(id: string, weights: Weights, actor: Actor, reason?: string): Promise<{ experiment: ExperimentView; movedFraction: number; notes: string[] }> {
    return this.parts.ramp.run(id, weights, actor, reason);
  }

  results(id: string): Promise<ExperimentResults> {
    return this.parts.results.byId(id);
  }

  stop(id: string, input: StopInput, actor: Actor, idempotencyKey?: string): Promise<StopResult> {
    return this.parts.stop.run(id, input, actor, idempotencyKey);
  }

  evaluateRunning(options?: { act?: boolean; onlyAutoDecide?: boolean }): Promise<Evaluation[]> {
    return this.parts.autoDecide.evaluateRunning(options);
  }

  /** The unit's arm in the model's running experiment, as the router assigns it. */
  async assign(model: string, unitId?: string | null): Promise<ExperimentAssignment | undefined> {
    return this.parts.table.assign(model, unitId);
  }

  /** Versions the running experiments serve (serving loads them at start). */
  async servingVersions(): Promise<Array<{ model: string; version: string }>> {
    return this.parts.table.versions();
  }
}
