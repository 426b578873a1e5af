/**
 * Use case: start an experiment. The request is already validated (experiment-schemas.ts);
 * here: the model exists, the arms' versions are registered and not failed, the rules
 * between fields, and at most one running experiment per model (a partial unique index
 * enforces it across replicas). Weights are normalised and the bucket allocation and a salt
 * are stored, so assignment is the same on every replica and after restarts.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict, DomainError, invalid } from '../core/errors.ts';
import { allocateBuckets } from '../serving/assignment.ts';
import { DEFAULT_SEQUENTIAL_TUNING } from '../stats/abtest/sequential.ts';
import type { CreateExperimentInput } from './experiment-schemas.ts';
import type { Experiment, ExperimentArm, ExperimentStore, GuardrailSpec } from './experiment-store.ts';
import { roundWeight, toView, type ExperimentView } from './experiment-view.ts';
import { DEFAULT_SECONDARY_METRICS, METRICS } from './metric-catalog.ts';
import type { RunningExperimentsSync } from './running-sync.ts';
import type { RoutingChanges } from '../store/routing-notifications.ts';

const DEFAULT_SEQUENTIAL_MIN_SAMPLE = 1000;

/** The models, as far as an experiment needs them (throws not_found for an unknown one). */
export interface ModelLookup {
  get(name: string): Promise<{ name: string }>;
}

/** The version registry, as far as an experiment's arms need it. */
export interface VersionLookup {
  findVersion(model: string, version: string): Promise<{ validation?: { status: string } } | undefined>;
}

/** Serving, to load an arm's version ahead of its traffic. */
export interface VersionLoader {
  ensureLoaded(model: string, version: string): Promise<unknown>;
}

export interface CreateExperimentDeps {
  rows: ExperimentStore;
  audit: AuditLog;
  models: ModelLookup;
  versions: VersionLookup;
  serving: VersionLoader;
  running: RunningExperimentsSync;
  /** Other replicas reload the model's routing when told (store/routing-notifications.ts). */
  routing: RoutingChanges;
  clock: Clock;
  logger: Logger;
}

export class CreateExperiment {
  private readonly deps: CreateExperimentDeps;

  constructor(deps: CreateExperimentDeps) {
    this.deps = deps;
  }

  async run(input: CreateExperimentInput, actor: Actor): Promise<{ experiment: ExperimentView; notes: string[] }> {
    const model = await this.deps.models.get(input.model);
    const notes: string[] = [];
    const guardrails: GuardrailSpec[] = (input.guardrails ?? []).map((g) => {
      const def = METRICS[g.metric]!;
      return { metric: def.name, direction: g.direction ?? def.direction, margin: g.margin, difference: g.difference ?? def.difference };
    });
    const sequential = input.sequential ?? true;
    if (!sequential && input.minSampleSize === undefined) {
      throw invalid(
        'minSampleSize: required when sequential is false — a fixed-horizon test is read once, at its planned sample (units of the primary metric, all arms together)',
      );
    }
    const minSampleSize = input.minSampleSize ?? DEFAULT_SEQUENTIAL_MIN_SAMPLE;
    const maxSampleSize = input.maxSampleSize ?? null;
    if (maxSampleSize !== null) {
      if (!sequential) throw invalid('maxSampleSize: only for sequential experiments (a fixed-horizon test stops at minSampleSize)');
      if (maxSampleSize <= minSampleSize) throw invalid(`maxSampleSize: must be a whole number above minSampleSize (${minSampleSize}), got ${maxSampleSize}`);
    }

    await checkVersions(this.deps.versions, model.name, input.arms.map((a) => a.version));
    const total = input.arms.reduce((s, a) => s + a.weight, 0);
    if (Math.abs(total - 1) > 1e-9) notes.push(`weights normalised to sum 1 (they summed to ${roundWeight(total)})`);
    const arms: ExperimentArm[] = input.arms.map((a) => ({ name: a.name, version: a.version, weight: roundWeight(a.weight / total) }));

    const existing = await this.deps.rows.list({ model: model.name, status: 'running', limit: 1 });
    if (existing[0]) throw runningConflict(existing[0]);

    const now = this.deps.clock.now();
    const experiment: Experiment = {
      id: `exp_${randomBytes(8).toString('hex')}`,
      model: model.name,
      status: 'running',
      primaryMetric: input.primaryMetric,
      arms,
      allocation: allocateBuckets(arms),
      salt: input.salt ?? randomBytes(8).toString('hex'),
      settings: {
        guardrails,
        metrics: input.metrics ?? [...DEFAULT_SECONDARY_METRICS],
        sequential,
        tuning: input.tuning ?? DEFAULT_SEQUENTIAL_TUNING,
        alpha: input.alpha ?? 0.05,
        minSampleSize,
        maxSampleSize,
        minimumEffect: input.minimumEffect ?? null,
        autoDecide: input.autoDecide ?? false,
      },
      weightHistory: [{ at: now, weights: arms.map((a) => a.weight) }],
      description: input.description ?? null,
      createdBy: actor.name,
      startedAt: now,
      stoppedAt: null,
      stoppedBy: null,
      decision: null,
      stopReason: null,
      updatedAt: now,
    };
    try {
      await this.deps.rows.insert(experiment, now);
    } catch (error) {
      // Lost a race with another replica: the partial unique index refused a second one.
      const again = await this.deps.rows.list({ model: model.name, status: 'running', limit: 1 });
      if (again[0]) throw runningConflict(again[0]);
      throw error;
    }
    await this.deps.audit.record({
      type: 'experiment.created',
      model: model.name,
      actor,
      reason: input.description ?? `experiment ${experiment.id} started`,
      details: { experimentId: experiment.id, primaryMetric: experiment.primaryMetric, arms, sequential, guardrails },
    });
    this.deps.running.publish(experiment);
    this.deps.routing.notify(experiment.model);
    warmArms(this.deps, experiment);
    return { experiment: toView(experiment), notes };
  }
}

async function checkVersions(registry: VersionLookup, model: string, versions: string[]): Promise<void> {
  for (const [i, version] of versions.entries()) {
    const found = await registry.findVersion(model, version);
    if (!found) {
      throw invalid(`arms[${i}].version: version "${version}" of model "${model}" is not registered; see GET /api/v1/models/${model}/versions`);
    }
    if (found.validation?.status === 'failed') {
      throw new DomainError('failed_precondition', `arms[${i}].version: version "${version}" failed validation and never serves`);
    }
  }
}

function runningConflict(e: Experiment): DomainError {
  return conflict(`model "${e.model}" already has a running experiment (${e.id}); stop it first (POST /api/v1/experiments/${e.id}/stop)`);
}

/** Loads the arms' versions in the background (create and ramp): units wait for a load otherwise. */
export function warmArms(deps: { serving: VersionLoader; logger: Logger }, e: Experiment): void {
  for (const version of new Set(e.arms.map((a) => a.version))) {
    deps.serving.ensureLoaded(e.model, version).catch((error: unknown) =>
      deps.logger.warn({ err: error, experiment: e.id, version }, 'experiments: an arm version could not be loaded; its units get the champion meanwhile'),
    );
  }
}
