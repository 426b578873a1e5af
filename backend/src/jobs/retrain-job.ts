/**
 * The `retrain` job: export the window's labelled traffic, train with a runner, validate
 * against the champion, register the candidate, make it the challenger, and follow up as
 * the model's settings say (docs/jobs.md). The action that queues it: retrain-action.ts.
 */
import type { Clock } from '../core/clock.ts';
import type { JobsConfig } from '../core/config.ts';
import type { ObjectStorage } from '../store/object-storage.ts';
import { invalid } from '../core/errors.ts';
import { builtinSpec } from './builtin-runner.ts';
import { datasetDir } from './dataset.ts';
import { removeJobScratch, storeJobFolder } from './job-files.ts';
import type { JobContext, JobHandler, JobOutcome } from './job-handler.ts';
import { JobFailure, runnerNames, type EnqueueInput, type RunnerName } from './job-types.ts';
import { startCanary } from './retrain-canary.ts';
import { startShadowRelease, type ReleaseShadows } from './retrain-shadow.ts';
import { exportTrainingData } from './retrain-dataset.ts';
import type { CandidateRegistry, CanaryExperiments, ModelLookup, TrainingTraffic } from './retrain-ports.ts';
import { registerCandidate } from './retrain-register.ts';
import { checkAbort, type RetrainJobInput, type RetrainRun } from './retrain-run.ts';
import { retrainSettingsOf } from './retrain-settings.ts';
import { trainCandidate, trainerOutputDir } from './retrain-train.ts';
import { validateCandidate } from './retrain-validate.ts';
import { trainerCommand } from './trainer-command.ts';

export interface RetrainJobDeps {
  models: ModelLookup;
  registry: CandidateRegistry;
  traffic: TrainingTraffic;
  experiments: CanaryExperiments;
  /** Release "shadow-then-canary": the shadow the challenger starts as (jobs/retrain-shadow.ts). */
  shadows: Pick<ReleaseShadows, 'start'>;
  config: JobsConfig;
  clock: Clock;
  /** The local scratch folder for datasets and trainer output (MODELWATCH_DATA_DIR). */
  dataDir: string;
  /** Where datasets and trainer output are kept once written (jobs/job-files.ts). */
  storage: ObjectStorage;
}

export class RetrainJob implements JobHandler {
  private readonly deps: RetrainJobDeps;

  constructor(deps: RetrainJobDeps) {
    this.deps = deps;
  }

  /** Completes and checks a retrain request before it is queued (errors are 4xx). */
  async prepare(input: EnqueueInput): Promise<EnqueueInput> {
    if (!input.model) throw invalid('model: a retrain job needs a model');
    const model = await this.deps.models.get(input.model);
    const settings = retrainSettingsOf(model.settings);
    const runner = (input.runner ?? settings.runner ?? 'builtin') as RunnerName;
    if (!(runnerNames as readonly string[]).includes(runner)) throw invalid(`runner: one of ${runnerNames.join(', ')}`);
    const params = { ...settings.params, ...(input.params ?? {}) };
    const gpus = input.gpus ?? settings.gpus ?? 0;
    if (runner === 'builtin') {
      builtinSpec(params);
      if (gpus > 0) throw invalid('gpus: the built-in trainer runs on CPU; use runner "command" with a GPU trainer to use GPUs');
    } else {
      trainerCommand(settings, this.deps.config);
    }
    const to = this.deps.clock.now();
    const jobInput: Omit<RetrainJobInput, 'params'> = { window: { from: to - settings.window, to }, label: settings.label };
    return {
      ...input,
      model: model.name,
      runner,
      gpus,
      params,
      input: jobInput,
      ...(settings.timeout !== undefined ? { timeoutMs: settings.timeout } : {}),
      ...(settings.retries !== undefined ? { maxAttempts: settings.retries + 1 } : {}),
    };
  }

  async run(ctx: JobContext): Promise<JobOutcome> {
    const { job } = ctx;
    const { dataDir } = this.deps;
    const model = await this.deps.models.get(job.model!);
    const run: RetrainRun = { ctx, model, settings: retrainSettingsOf(model.settings), input: ctx.input as unknown as RetrainJobInput };

    const scratch = { dataset: datasetDir(dataDir, job.id), output: trainerOutputDir(dataDir, job.id) };
    try {
      return await this.runSteps(run, scratch);
    } finally {
      await removeJobScratch(this.deps.storage, [scratch.dataset, scratch.output]);
    }
  }

  private async runSteps(run: RetrainRun, scratch: { dataset: string; output: string }): Promise<JobOutcome> {
    const { ctx, model } = run;
    const { job, signal } = ctx;
    const { registry, traffic, dataDir, config, storage } = this.deps;
    const dataset = await exportTrainingData(run, { dataDir, traffic });
    ctx.log(`dataset stored in the ${storage.kind} artifact storage: ${(await storeJobFolder(storage, dataDir, scratch.dataset)).length} files`);
    checkAbort(signal);
    const output = await trainCandidate(run, dataset, { dataDir, config });
    ctx.log(`trainer output stored in the ${storage.kind} artifact storage: ${(await storeJobFolder(storage, dataDir, scratch.output)).length} files`);
    checkAbort(signal);
    const champion = (await registry.aliases(model.name)).champion;
    const gate = await validateCandidate(run, output.onnx, dataset.holdout, champion, registry);
    checkAbort(signal);
    // From here on never interrupted: the version must not be registered twice.
    const version = await registerCandidate(run, { output, dataset, gate, champion }, { registry, traffic });
    if (gate.status !== 'passed') {
      throw new JobFailure(`candidate ${version} failed the validation gate (${gate.reasons.join('; ')}); it is registered but never serves`, false);
    }
    await registry.setAlias(model.name, 'challenger', version, job.actor, `retrain job ${job.id}: validation passed`);
    ctx.log(`version ${version} is the challenger of ${model.name}`);
    if (run.settings.onSuccess === 'canary') {
      if (run.settings.release === 'shadow-then-canary') await startShadowRelease(run, version, champion, { shadows: this.deps.shadows, registry, clock: this.deps.clock });
      else await startCanary(run, version, champion, { experiments: this.deps.experiments, registry });
    }
    return { producedVersion: version, message: `challenger ${version} (validation passed)` };
  }
}
