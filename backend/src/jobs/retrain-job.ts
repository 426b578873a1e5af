/**
 * Retraining: the `retrain` job (export the window's labelled traffic, train with a runner,
 * validate against the champion, register the candidate, make it the challenger) and the
 * retrain action that queues it (API.md: POST /api/v1/models/{model}/actions/retrain).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ActionReply } from '../actions/action-types.ts';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { DomainError, invalid } from '../core/errors.ts';
import { describeZodError } from '../core/zod-errors.ts';
import { reasonSchema } from '../core/schemas.ts';
import { buildProfile } from '../stats/profile.ts';
import { parseProfile } from '../core/profile-schema.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import type { Model } from '../models/model-schemas.ts';
import type { ModelService } from '../models/model-service.ts';
import type { VersionRegistry } from '../registry/versions.ts';
import { loadModelSession, type ModelSession } from '../onnx/onnx-session.ts';
import { builtinSpec, runBuiltin } from './builtin-runner.ts';
import { runCommand } from './command-runner.ts';
import { exportDataset, type HeldOutRows, type LabelKind, type LabelledRowLike } from './dataset.ts';
import type { JobContext, JobHandler, JobOutcome, JobService } from './job-service.ts';
import { JobFailure, runnerNames, type EnqueueInput, type RunnerName } from './job-types.ts';
import { splitCommand } from './jobs-config.ts';
import { retrainSettingsOf, type GateRule, type RetrainSettings } from './retrain-settings.ts';
import type { RunnerInput, RunnerOutput } from './runner-types.ts';
import { encodable, judgeGate, scoreRows, type GateResult } from './validation-gate.ts';

/** The retrain request body (API.md). A trainer command is never taken from a request. */
export const retrainRequestSchema = z
  .strictObject({
    reason: reasonSchema,
    runner: z.enum(runnerNames).optional().meta({ description: "Default: the model's settings.retrain.runner, else builtin" }),
    gpus: z.number().int().min(0).max(64).optional().meta({ description: 'GPUs for the command runner (CUDA_VISIBLE_DEVICES)' }),
    params: z
      .record(z.string().max(100), z.unknown())
      .refine((p) => Object.keys(p).length <= 100, 'at most 100 parameters')
      .refine((p) => JSON.stringify(p).length <= 20_000, 'at most 20 kB of JSON')
      .optional()
      .meta({ description: 'Trainer parameters (built-in: algorithm gbdt|logistic and its hyperparameters; command: passed as MODELWATCH_PARAMS)' }),
  })
  .meta({ id: 'RetrainRequest' });
export type RetrainRequest = z.output<typeof retrainRequestSchema>;

interface MonitorLike {
  exportLabelledRows(model: string, q: { from: number; to: number; label: LabelKind }): AsyncIterable<LabelledRowLike>;
  trafficSample?(model: string, q: { from: number; to: number }): Promise<{ rows: Record<string, unknown>[]; count: number }>;
}

interface ActionsLike {
  run(
    type: string,
    model: string,
    actor: Actor | string,
    reason: string,
    idempotencyKey: string | undefined,
    work: (action: { id: string }) => Promise<{ status?: 'running' | 'succeeded' | 'failed'; jobId?: string | null; details?: Record<string, unknown> } | void>,
  ): Promise<ActionReply>;
  get?(id: string): Promise<ActionReply['action']>;
}

interface ExperimentsLike {
  create?(input: Record<string, unknown>, actor: Actor): Promise<unknown>;
}

export interface RetrainDeps {
  jobs: JobService;
  models: ModelService;
  registry: VersionRegistry;
  actions: () => ActionsLike | undefined;
  monitor: () => MonitorLike | undefined;
  experiments?: () => ExperimentsLike | undefined;
  clock: Clock;
  dataDir: string;
  logger: Logger;
}

/** What the job stores as its input (besides params). */
interface RetrainJobInput {
  window: { from: number; to: number };
  label: LabelKind;
  params: Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class RetrainService implements JobHandler {
  private readonly deps: RetrainDeps;

  constructor(deps: RetrainDeps) {
    this.deps = deps;
    deps.jobs.registerHandler('retrain', this);
    deps.jobs.retrainer = this;
  }

  // ------------------------------------------------------------------ the action

  /** Records a retrain action and queues its job; the action then follows the job. */
  async retrain(model: string, input: Record<string, unknown>, actor: Actor | string, idempotencyKey?: string): Promise<ActionReply> {
    const parsed = retrainRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(describeZodError(parsed.error, 'body'));
    const request = parsed.data;
    const actions = this.deps.actions();
    if (!actions) throw new DomainError('unavailable', 'the action service is not available');
    let jobId: string | undefined;
    const reply = await actions.run('retrain', model, actor, request.reason, idempotencyKey, async ({ id }) => {
      const job = await this.deps.jobs.enqueue(
        {
          type: 'retrain',
          model,
          ...(request.runner ? { runner: request.runner } : {}),
          ...(request.gpus !== undefined ? { gpus: request.gpus } : {}),
          ...(request.params ? { params: request.params } : {}),
          reason: request.reason,
          actor,
          actionId: id,
        },
        { wake: false },
      );
      jobId = job.id;
      return { status: 'running', jobId: job.id, details: { jobId: job.id, jobState: 'queued', runner: job.runner, gpus: job.gpus } };
    });
    if (!reply.replayed && jobId) {
      // Now that the action is stored: start, and re-sync in case the job ended meanwhile.
      this.deps.jobs.wake();
      await this.deps.jobs.syncAction(jobId);
    }
    // A replay answers the action as it is now (the stored first reply says "running").
    if (reply.replayed && typeof actions.get === 'function') return { action: await actions.get(reply.action.id), replayed: true };
    return reply;
  }

  // ------------------------------------------------------------------ enqueue checks

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
      this.commandOf(settings);
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

  /** The trainer command: server configuration, or the model's settings where the server allows it. */
  private commandOf(settings: RetrainSettings): string[] {
    const config = this.deps.jobs.config;
    if (settings.command !== undefined) {
      if (!config.allowModelCommands) {
        throw new DomainError(
          'failed_precondition',
          'settings.retrain.command: per-model trainer commands are off on this server; set MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS=on to honour them, or remove the setting to use MODELWATCH_TRAINER_COMMAND',
        );
      }
      return Array.isArray(settings.command) ? settings.command : splitCommand(settings.command);
    }
    if (config.trainerCommand) return splitCommand(config.trainerCommand);
    throw new DomainError(
      'failed_precondition',
      'runner: "command" needs a trainer command; set MODELWATCH_TRAINER_COMMAND on the server (or settings.retrain.command with MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS=on)',
    );
  }

  // ------------------------------------------------------------------ the job

  async run(ctx: JobContext): Promise<JobOutcome> {
    const { job, signal } = ctx;
    const input = ctx.input as unknown as RetrainJobInput;
    const model = await this.deps.models.get(job.model!);
    const settings = retrainSettingsOf(model.settings);
    const monitor = this.deps.monitor();
    if (!monitor) throw new JobFailure('the monitoring service is not available, so there is no traffic to train on', false);
    const checkAbort = (): void => {
      if (signal.aborted) throw signal.reason;
    };

    // 1. Dataset.
    const { from, to } = input.window;
    ctx.progress({ progress: 0.01, message: 'exporting the training dataset' });
    ctx.log(`exporting ${input.label}-labelled traffic of ${model.name} from ${iso(from)} to ${iso(to)}`);
    const dataset = await exportDataset({
      dataDir: this.deps.dataDir,
      jobId: job.id,
      model: model.name,
      features: model.features,
      window: { from, to },
      label: input.label,
      rows: monitor.exportLabelledRows(model.name, { from, to, label: input.label }),
      holdoutFraction: settings.gate.holdoutFraction,
      maxHoldoutRows: settings.gate.maxRows,
      parquet: settings.parquet,
      signal,
      onRows: (phase, rows) => ctx.progress({ message: `${phase === 'read' ? 'reading' : 'writing'} the dataset: ${rows} rows` }),
    });
    const { balance } = dataset.manifest;
    ctx.log(
      `dataset: ${dataset.manifest.rows} rows in ${dataset.dir} — training ${balance.train.rows} (${balance.train.positives} positive), ` +
        `held out for validation ${balance.holdout.rows} (${balance.holdout.positives} positive)`,
    );
    await ctx.setResult({
      dataset: {
        dir: dataset.dir,
        manifest: dataset.manifestPath,
        rows: dataset.manifest.rows,
        window: dataset.manifest.window,
        label: input.label,
        train: balance.train,
        holdout: balance.holdout,
      },
    });
    if (balance.train.positives === 0 || balance.train.negatives === 0) {
      throw new JobFailure(
        `the window ${iso(from)} – ${iso(to)} holds ${balance.train.rows} ${input.label}-labelled training rows with ${balance.train.positives} positives: ` +
          'training needs both classes; widen settings.retrain.window or wait for more labelled traffic',
        false,
      );
    }
    checkAbort();

    // 2. Train.
    ctx.progress({ progress: 0.1, message: `training (${job.runner})` });
    const outputDir = path.join(this.deps.dataDir, 'jobs', job.id, 'output');
    fs.rmSync(outputDir, { recursive: true, force: true });
    fs.mkdirSync(outputDir, { recursive: true });
    const runnerInput: RunnerInput = {
      jobId: job.id,
      model,
      dataset,
      params: input.params ?? job.params,
      outputDir,
      gpuIndices: ctx.gpuIndices,
      signal,
      progress: (r) =>
        ctx.progress({
          ...(r.progress !== undefined ? { progress: 0.1 + 0.7 * r.progress } : {}),
          ...(r.message !== undefined ? { message: r.message } : {}),
          ...(r.metrics ? { metrics: r.metrics } : {}),
        }),
      log: ctx.log,
    };
    const output: RunnerOutput =
      job.runner === 'command'
        ? await runCommand(runnerInput, { argv: this.commandOf(settings), killGraceMs: this.deps.jobs.config.killGraceMs })
        : await runBuiltin(runnerInput);
    checkAbort();

    // 3. Validate against the champion on the held-out rows.
    ctx.progress({ progress: 0.82, message: 'validating against the champion' });
    const champion = (await this.deps.registry.aliases(model.name)).champion;
    const gate = await this.validate(model, output.onnx, dataset.holdout, settings.gate, champion, ctx.log);
    ctx.log(
      `validation ${gate.status}: candidate AUC ${gate.candidate?.auc ?? 'n/a'}, log loss ${gate.candidate?.logLoss ?? 'n/a'}` +
        (gate.champion ? `; champion ${gate.champion.version} AUC ${gate.champion.auc}, log loss ${gate.champion.logLoss}; DeLong p = ${gate.delong?.pValue}` : '; no champion') +
        (gate.reasons.length ? ` — ${gate.reasons.join('; ')}` : ''),
    );
    await ctx.setResult({ validation: gate });
    checkAbort();

    // 4. Register (never interrupted from here on: the version must not be registered twice).
    ctx.progress({ progress: 0.9, message: 'registering the new version' });
    // The reference is all served traffic of the window (every candidate the model scored),
    // not only the labelled rows (the items that were shown), which a ranking model skews.
    const traffic = (await monitor.trafficSample?.(model.name, { from, to }))?.rows;
    const profile = this.profileOf(model, output.profile, traffic?.length ? traffic : dataset.profileRows, ctx.log);
    const registered = await this.deps.registry.register(
      model.name,
      {
        artifact: output.onnx,
        metrics: output.metrics,
        lineage: { ...(champion ? { parentVersion: champion } : {}), jobId: job.id, dataWindow: { from, to } },
        validation: gate.status,
        description: `Retrained by job ${job.id}${job.reason ? `: ${job.reason}` : ''}`.slice(0, 2000),
        ...(profile ? { reference: { profile } } : {}),
      },
      job.actor,
    );
    const version = registered.version;
    await ctx.setProducedVersion(version);
    for (const warning of registered.warnings ?? []) ctx.log(`registry: ${warning}`);
    await this.deps.registry.setValidation(model.name, version, gate.status, { ...gate, jobId: job.id }, 'system');
    await ctx.setResult({ version });

    if (gate.status !== 'passed') {
      throw new JobFailure(`candidate ${version} failed the validation gate (${gate.reasons.join('; ')}); it is registered but never serves`, false);
    }
    await this.deps.registry.setAlias(model.name, 'challenger', version, job.actor, `retrain job ${job.id}: validation passed`);
    ctx.log(`version ${version} is the challenger of ${model.name}`);
    if (settings.onSuccess === 'canary') await this.startCanary(ctx, model, version, champion, settings, job.reason);
    return { producedVersion: version, message: `challenger ${version} (validation passed)` };
  }

  /** Scores candidate and champion on the same held-out rows and judges. */
  private async validate(
    model: Model,
    onnx: Uint8Array,
    holdout: HeldOutRows,
    rule: GateRule,
    championVersion: string | undefined,
    log: JobContext['log'],
  ): Promise<GateResult> {
    let candidate: ModelSession;
    try {
      candidate = await loadModelSession(onnx, model.features);
    } catch (error) {
      throw new JobFailure(`the trained model breaks the artifact contract: ${(error as Error).message}`, false);
    }
    try {
      const notes: string[] = [];
      let champion: ModelSession | undefined;
      if (championVersion) {
        try {
          champion = await this.deps.registry.ensureLoaded(model.name, championVersion);
        } catch (error) {
          notes.push(`the champion ${championVersion} could not be loaded (${(error as Error).message}); judged against the AUC floor instead`);
        }
      }
      const keep: number[] = [];
      holdout.features.forEach((row, i) => {
        if (encodable(candidate, row) && (!champion || encodable(champion, row))) keep.push(i);
      });
      const rows = keep.map((i) => holdout.features[i]!);
      const labels = Uint8Array.from(keep, (i) => holdout.labels[i]!);
      const candidateScores = await scoreRows(candidate, rows);
      const championScores = champion ? await scoreRows(champion, rows) : undefined;
      const gate = judgeGate(labels, candidateScores, champion && championScores ? { version: championVersion!, scores: championScores } : undefined, rule);
      const skipped = holdout.features.length - keep.length;
      if (skipped) notes.push(`${skipped} held-out rows skipped: a model could not take them (missing numeric features)`);
      gate.notes.push(...notes);
      for (const note of notes) log(`validation: ${note}`);
      const firstTs = keep.length ? holdout.ts[keep[0]!]! : undefined;
      const lastTs = keep.length ? holdout.ts[keep[keep.length - 1]!]! : undefined;
      return Object.assign(gate, { holdout: firstTs !== undefined && lastTs !== undefined ? { from: iso(firstTs), to: iso(lastTs) } : null });
    } finally {
      await candidate.release().catch(() => undefined);
    }
  }

  /** The trainer's profile.json when valid for this model; otherwise one built from the window's traffic. */
  private profileOf(model: Model, fromTrainer: unknown, rows: Array<Record<string, unknown>>, log: JobContext['log']): ReferenceProfile | undefined {
    if (fromTrainer !== undefined) {
      const parsed = parseProfile(fromTrainer);
      const declared = new Map(model.features.map((f) => [f.name, f.type]));
      if (parsed.success && parsed.data.features.every((f) => declared.get(f.name) === f.type)) return parsed.data;
      log(`profile.json ignored: ${parsed.success ? 'its features do not match the model' : describeZodError(parsed.error, 'profile')}; building one from the window's traffic`);
    }
    if (!rows.length) return undefined;
    return buildProfile(rows, model.features, { source: 'trainer' });
  }

  /** onSuccess "canary": an experiment with the challenger on a small share of traffic. */
  private async startCanary(ctx: JobContext, model: Model, version: string, champion: string | undefined, settings: RetrainSettings, reason: string | null): Promise<void> {
    const experiments = this.deps.experiments?.();
    if (typeof experiments?.create !== 'function') {
      ctx.log('onSuccess is "canary", but this service has no experiment service; the challenger waits');
      await ctx.setResult({ canary: { started: false, reason: 'no experiment service' } });
      return;
    }
    if (!champion) {
      ctx.log('onSuccess is "canary", but the model has no champion to compare with; the challenger waits');
      await ctx.setResult({ canary: { started: false, reason: 'no champion' } });
      return;
    }
    const weight = settings.canary.weight;
    try {
      const started = (await experiments.create(
        {
          model: model.name,
          arms: [
            { name: 'champion', version: champion, weight: 100 - weight },
            { name: 'challenger', version, weight },
          ],
          primaryMetric: settings.canary.primaryMetric,
          autoDecide: settings.canary.autoDecide,
          description: `Canary of ${version} after retrain job ${ctx.job.id}${reason ? `: ${reason}` : ''}`.slice(0, 2000),
        },
        { name: ctx.job.actor, role: 'editor' },
      )) as { experiment?: { id?: string }; id?: string } | undefined;
      const id = started?.experiment?.id ?? started?.id;
      ctx.log(`canary experiment started${id ? ` (${id})` : ''}: ${weight}% of traffic to ${version}`);
      await ctx.setResult({ canary: { started: true, experimentId: id ?? null, weight } });
    } catch (error) {
      // The challenger is registered and valid; a canary that cannot start leaves it waiting.
      ctx.log(`canary experiment not started: ${(error as Error).message}; the challenger waits`);
      await ctx.setResult({ canary: { started: false, reason: (error as Error).message } });
    }
  }
}
