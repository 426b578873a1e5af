import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { ActionReply, ActionStatus } from '../actions/action-types.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError, invalid, notFound } from '../core/errors.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { JobsTable } from '../store/schema.ts';
import { discoverGpus, GpuSlots, type GpuDiscovery } from './gpu.ts';
import { JobLogWriter } from './job-logs.ts';
import { JobStore, toJob } from './job-store.ts';
import {
  isTerminal,
  JobFailure,
  jobStates,
  type EnqueueInput,
  type Job,
  type JobLogLine,
  type JobState,
  type LogStream,
  type ProgressReport,
} from './job-types.ts';
import { retryDelayMs, type JobsConfig } from './jobs-config.ts';

/** What a handler gets while it runs one job. */
export interface JobContext {
  job: Job;
  /** The stored input (params, window, label, ...). */
  input: Record<string, unknown>;
  /** Aborted on cancel, timeout, shutdown, or when the job was taken away (see `reason`). */
  signal: AbortSignal;
  gpuIndices: number[];
  progress(report: ProgressReport): void;
  log(line: string, stream?: LogStream): void;
  /** Merges into the job's result (stored at once). */
  setResult(patch: Record<string, unknown>): Promise<void>;
  setProducedVersion(version: string): Promise<void>;
}

export interface JobOutcome {
  result?: Record<string, unknown>;
  producedVersion?: string;
  message?: string;
}

export interface JobHandler {
  /** Checks and completes an enqueue request (throws DomainError → 4xx); runs before the row is written. */
  prepare?(input: EnqueueInput): Promise<EnqueueInput>;
  run(ctx: JobContext): Promise<JobOutcome | void>;
}

/** Why a running job was aborted. */
export class JobAbort extends Error {
  readonly kind: 'cancel' | 'timeout' | 'shutdown' | 'lost';

  constructor(kind: JobAbort['kind'], message: string) {
    super(message);
    this.name = 'JobAbort';
    this.kind = kind;
  }
}

/** The part of ActionService the queue uses to make a retrain action follow its job. */
export interface ActionUpdater {
  updateDetails(id: string, patch: Record<string, unknown>, status?: ActionStatus): Promise<unknown>;
}

export interface RetrainRequester {
  retrain(model: string, input: Record<string, unknown>, actor: Actor | string, idempotencyKey?: string): Promise<ActionReply>;
}

export interface JobServiceDeps {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  config: JobsConfig;
  /** Where Prometheus metrics go (modelwatch_jobs{state}); omitted: none. */
  metrics?: Registry;
  /** Looked up when used (the action service may be wired after this one). */
  actions?: () => ActionUpdater | undefined;
  /** GPUs of this machine; default: discovered from MODELWATCH_GPUS / nvidia-smi. */
  gpus?: GpuDiscovery;
}

interface RunningJob {
  row: JobsTable;
  controller: AbortController;
  done: Promise<void>;
}

const actorName = (actor: Actor | string): string => (typeof actor === 'string' ? actor : actor.name);

const finiteMetrics = (metrics: Record<string, unknown> | undefined): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));

/**
 * The job queue and its worker loop. Jobs live in the store (jobs/job-store.ts), so every
 * replica sees them and exactly one claims each. The worker polls every `pollMs` and wakes at
 * once when this process enqueues; at most `workers` jobs run here at a time, each holding
 * its GPU slots. A running job's heartbeat is refreshed every `heartbeatMs`; a job whose
 * heartbeat is older than `staleMs` belonged to a dead process and is marked failed
 * (docs/jobs.md explains why it is not re-run). Retryable failures are re-queued with
 * exponential backoff until `maxAttempts`.
 */
export class JobService {
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly jobStore: JobStore;
  readonly logs: JobLogWriter;
  private readonly deps: JobServiceDeps;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Map<string, RunningJob>();
  private readonly progressTimers = new Map<string, { timer?: NodeJS.Timeout; pending?: Partial<JobsTable> }>();
  /** Latest metrics per running job (progress reports merge into them). */
  private readonly lastMetrics = new Map<string, Record<string, number>>();
  private gpuDiscovery: Promise<GpuDiscovery> | undefined;
  private slots: GpuSlots = new GpuSlots([]);
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private started = false;
  private stopped = false;
  private lastRecovery = 0;
  /** Set by the retrain wiring (jobs/retrain-job.ts); the alert policies call it. */
  retrainer: RetrainRequester | undefined;

  constructor(deps: JobServiceDeps) {
    this.deps = deps;
    this.jobStore = new JobStore(deps.store);
    this.logs = new JobLogWriter(this.jobStore, deps.logger);
    if (deps.gpus) this.gpuDiscovery = Promise.resolve(deps.gpus);
    if (deps.metrics) {
      const store = this.jobStore;
      const logger = deps.logger;
      new Gauge({
        name: 'modelwatch_jobs',
        help: 'Jobs (retrain) by state, as stored.',
        labelNames: ['state'] as const,
        registers: [deps.metrics],
        async collect() {
          try {
            const counts = await store.countByState();
            for (const state of jobStates) this.set({ state }, counts[state]);
          } catch (error) {
            logger.warn({ err: error }, 'modelwatch_jobs: counting jobs failed');
          }
        },
      });
    }
  }

  get config(): JobsConfig {
    return this.deps.config;
  }

  registerHandler(type: string, handler: JobHandler): void {
    this.handlers.set(type, handler);
  }

  /** This machine's GPUs (discovered once). */
  gpus(): Promise<GpuDiscovery> {
    this.gpuDiscovery ??= discoverGpus({ override: this.deps.config.gpus });
    return this.gpuDiscovery;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Discovers GPUs, recovers jobs of dead workers, and starts the worker loop. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const gpus = await this.gpus();
    this.slots = new GpuSlots(gpus.gpus.map((g) => g.index), this.deps.config.slotsPerGpu);
    this.deps.logger.info({ worker: this.workerId, workers: this.deps.config.workers, gpus: gpus.gpus.length, source: gpus.source }, 'job worker ready');
    await this.recoverStale().catch((error: unknown) => this.deps.logger.error({ err: error }, 'job recovery failed'));
    if (this.deps.config.workers <= 0) return;
    this.pollTimer = setInterval(() => void this.tick(), this.deps.config.pollMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.heartbeats(), this.deps.config.heartbeatMs);
    this.heartbeatTimer.unref();
    this.wake();
  }

  /**
   * Stops claiming, aborts the jobs running here and waits for them: they go back to the
   * queue (an orderly stop is not a failure), to be run again by this or another replica.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const job of this.running.values()) job.controller.abort(new JobAbort('shutdown', 'the service is shutting down'));
    await Promise.allSettled([...this.running.values()].map((j) => j.done));
    await this.logs.flush();
  }

  /** Looks for work now (enqueue in this process calls it). */
  wake(): void {
    if (!this.started || this.stopped || this.deps.config.workers <= 0) return;
    void this.pump();
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRecovery >= Math.max(this.deps.config.pollMs, this.deps.config.staleMs / 4)) {
      await this.recoverStale().catch((error: unknown) => this.deps.logger.error({ err: error }, 'job recovery failed'));
    }
    await this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped && this.running.size < this.deps.config.workers) {
          const row = await this.jobStore.claim(this.workerId, Date.now(), this.slots.freeGpus());
          if (!row) break;
          if (this.stopped) {
            // Claimed while stopping: hand it back untouched.
            await this.requeue(row, 0, null, 'the service is shutting down', false);
            break;
          }
          this.execute(row);
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      if (!this.stopped) this.deps.logger.error({ err: error }, 'claiming jobs failed; will retry');
    } finally {
      this.pumping = false;
    }
  }

  // ------------------------------------------------------------------ enqueue and read

  /** Queues a job. `wake: false` leaves it to the next poll (the retrain action wakes after recording). */
  async enqueue(input: EnqueueInput, options: { wake?: boolean } = {}): Promise<Job> {
    const handler = this.handlers.get(input.type);
    if (!handler) throw invalid(`type: unknown job type "${input.type}"; one of ${[...this.handlers.keys()].join(', ') || '(none)'}`);
    const prepared = handler.prepare ? await handler.prepare(input) : input;
    const gpus = prepared.gpus ?? 0;
    if (!Number.isInteger(gpus) || gpus < 0 || gpus > 64) throw invalid('gpus: an integer in [0, 64]');
    if (gpus > 0) await this.assertGpus(gpus);
    const now = Date.now();
    const maxAttempts = prepared.maxAttempts ?? this.deps.config.retries + 1;
    const row: JobsTable = {
      id: randomUUID(),
      type: prepared.type,
      model: prepared.model ?? null,
      state: 'queued',
      runner: prepared.runner ?? null,
      input: toJson({ ...(prepared.input ?? {}), params: prepared.params ?? {} }),
      gpus,
      gpu_indices: null,
      actor: actorName(prepared.actor),
      reason: prepared.reason ?? null,
      action_id: prepared.actionId ?? null,
      progress: 0,
      message: 'queued',
      metrics: '{}',
      result: '{}',
      produced_version: null,
      error: null,
      attempts: 0,
      max_attempts: Math.max(1, maxAttempts),
      timeout_ms: prepared.timeoutMs ?? this.deps.config.timeoutMs,
      run_after: now,
      worker: null,
      heartbeat_at: null,
      cancel_requested: 0,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    await this.jobStore.insert(row);
    await this.deps.audit.record({
      type: 'job.queued',
      status: 'succeeded',
      model: row.model,
      actor: prepared.actor,
      reason: row.reason,
      jobId: row.id,
      details: { type: row.type, runner: row.runner, gpus, actionId: row.action_id },
    });
    this.logs.append(row.id, `queued ${row.type}${row.model ? ` of ${row.model}` : ''} by ${row.actor}${row.runner ? ` (runner ${row.runner}${gpus ? `, ${gpus} GPU${gpus > 1 ? 's' : ''}` : ''})` : ''}`);
    if (options.wake !== false) this.wake();
    return toJob(row);
  }

  /** Refuses at once a GPU request this machine can never satisfy. */
  private async assertGpus(requested: number): Promise<void> {
    if (this.deps.config.workers <= 0) return; // jobs run on other replicas; this one cannot judge
    const { gpus, source } = await this.gpus();
    if (gpus.length === 0) {
      throw new DomainError(
        'failed_precondition',
        `gpus: ${requested} GPU${requested > 1 ? 's' : ''} requested, but this machine has no GPUs (${source}); retrain without "gpus" to train on CPU`,
      );
    }
    if (requested > gpus.length) {
      throw new DomainError('failed_precondition', `gpus: ${requested} GPUs requested, but this machine has only ${gpus.length} (${source})`);
    }
  }

  async get(id: string): Promise<Job> {
    const row = await this.jobStore.find(id);
    if (!row) throw notFound(`job "${id}" not found; see GET /api/v1/jobs`);
    return toJob(row);
  }

  async list(q: { model?: string | undefined; state?: JobState | undefined; limit?: number | undefined } = {}): Promise<Job[]> {
    return (await this.jobStore.list(q)).map(toJob);
  }

  /** Log lines after `after` (a seq), oldest first. */
  async readLogs(id: string, after = 0, limit = 1000): Promise<{ logs: JobLogLine[]; job: Job }> {
    const job = await this.get(id);
    await this.logs.flush();
    return { logs: await this.jobStore.logs(id, after, limit), job };
  }

  /**
   * Streams log lines live: yields stored lines after `after`, then new ones as they are
   * written (event in this process, polling for other replicas'), and finally the job once
   * it has ended and every line was sent.
   */
  async *followLogs(id: string, after: number, signal: AbortSignal, pollMs = 1000): AsyncGenerator<{ log: JobLogLine } | { end: Job }> {
    let cursor = after;
    await this.get(id);
    for (;;) {
      if (signal.aborted) return;
      const job = await this.get(id);
      await this.logs.flush();
      const lines = await this.jobStore.logs(id, cursor, 1000);
      for (const line of lines) {
        cursor = line.seq;
        yield { log: line };
      }
      if (lines.length === 1000) continue;
      if (isTerminal(job.status)) {
        // Lines written between the read of the job and of the logs were read above; one
        // more read catches any flushed in between.
        const rest = await this.jobStore.logs(id, cursor, 100_000);
        for (const line of rest) yield { log: line };
        yield { end: job };
        return;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.logs.events.off('logs', onLogs);
          this.logs.events.off('state', onLogs);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const onLogs = (jobId: string): void => {
          if (jobId === id) done();
        };
        const timer = setTimeout(done, pollMs);
        this.logs.events.on('logs', onLogs);
        this.logs.events.on('state', onLogs);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Cancels a job: a queued one at once, a running one by aborting it (its trainer is killed). */
  async cancel(id: string, actor: Actor | string, reason?: string): Promise<Job> {
    const row = await this.jobStore.find(id);
    if (!row) throw notFound(`job "${id}" not found; see GET /api/v1/jobs`);
    const why = `cancelled by ${actorName(actor)}${reason ? `: ${reason}` : ''}`;
    if (isTerminal(row.state)) throw new DomainError('conflict', `job "${id}" has already ended (${row.state})`);
    const now = Date.now();
    if (row.state === 'queued' && (await this.jobStore.cancelQueued(id, now, why))) {
      this.logs.append(id, why);
      await this.settled(id, 'cancelled', why, actor);
      return this.get(id);
    }
    if (await this.jobStore.requestCancel(id, now, why)) {
      this.logs.append(id, `cancel requested by ${actorName(actor)}${reason ? `: ${reason}` : ''}`);
      // Running here: stop now. Elsewhere: its worker sees the flag at its next heartbeat.
      this.running.get(id)?.controller.abort(new JobAbort('cancel', why));
    }
    return this.get(id);
  }

  /** Resolves when the job has ended (tests, CLI). */
  async waitFor(id: string, timeoutMs = 60_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.get(id);
      if (isTerminal(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The retrain action (INTERFACES.md); the retrain wiring provides it. */
  async retrain(model: string, input: Record<string, unknown>, actor: Actor | string, idempotencyKey?: string): Promise<ActionReply> {
    if (!this.retrainer) throw new DomainError('unavailable', 'retraining is not available in this service build');
    return this.retrainer.retrain(model, input, actor, idempotencyKey);
  }

  // ------------------------------------------------------------------ running one job

  private execute(row: JobsTable): void {
    const controller = new AbortController();
    const entry: RunningJob = { row, controller, done: Promise.resolve() };
    this.running.set(row.id, entry);
    entry.done = this.runJob(row, controller).finally(() => {
      this.running.delete(row.id);
      this.wake();
    });
  }

  private async runJob(row: JobsTable, controller: AbortController): Promise<void> {
    const handler = this.handlers.get(row.type);
    const gpuIndices = this.slots.acquire(row.gpus) ?? [];
    const timeout = setTimeout(
      () => controller.abort(new JobAbort('timeout', `timed out after ${Math.round(Number(row.timeout_ms) / 1000)} s`)),
      Math.min(Number(row.timeout_ms), 2 ** 31 - 1),
    );
    timeout.unref();
    const log = (line: string, stream: LogStream = 'system'): void => this.logs.append(row.id, line, stream);
    try {
      log(`attempt ${row.attempts} of ${row.max_attempts} started on ${this.workerId}${gpuIndices.length ? ` with GPU ${gpuIndices.join(',')}` : ''}`);
      if (!handler) throw new JobFailure(`no handler for job type "${row.type}" in this service build`, false);
      if (row.gpus > 0 && gpuIndices.length < row.gpus) throw new JobFailure(`${row.gpus} GPUs needed, this machine has ${this.slots.count}`, false);
      if (gpuIndices.length) await this.jobStore.updateRunning(row.id, this.workerId, { gpu_indices: toJson(gpuIndices) });
      this.logs.events.emit('state', row.id);
      await this.syncAction(row.id);
      const job = toJob({ ...row, gpu_indices: gpuIndices.length ? toJson(gpuIndices) : null });
      const outcome =
        (await handler.run({
          job,
          input: fromJson<Record<string, unknown>>(row.input, {}),
          signal: controller.signal,
          gpuIndices,
          progress: (report) => this.progress(row.id, report),
          log,
          setResult: (patch) => this.mergeResult(row.id, patch),
          setProducedVersion: async (version) => {
            await this.jobStore.updateRunning(row.id, this.workerId, { produced_version: version, updated_at: Date.now() });
          },
        })) ?? {};
      await this.flushProgress(row.id);
      if (outcome.result) await this.mergeResult(row.id, outcome.result);
      const done = await this.jobStore.updateRunning(row.id, this.workerId, {
        state: 'succeeded',
        progress: 1,
        message: outcome.message ?? 'succeeded',
        ...(outcome.producedVersion ? { produced_version: outcome.producedVersion } : {}),
        finished_at: Date.now(),
        updated_at: Date.now(),
        error: null,
      });
      if (done) {
        log(`succeeded${outcome.producedVersion ? `: version ${outcome.producedVersion}` : ''}`);
        await this.settled(row.id, 'succeeded', null, 'system');
      } else log('finished, but the job was no longer this worker\'s (recovered or cancelled meanwhile); outcome dropped');
    } catch (error) {
      await this.flushProgress(row.id);
      await this.failed(row, controller, error);
    } finally {
      clearTimeout(timeout);
      this.slots.release(gpuIndices);
      await this.logs.flush();
      this.logs.forget(row.id);
    }
  }

  private async failed(row: JobsTable, controller: AbortController, error: unknown): Promise<void> {
    const { logger } = this.deps;
    const abort = controller.signal.aborted && controller.signal.reason instanceof JobAbort ? controller.signal.reason : undefined;
    const message = abort?.message ?? (error instanceof Error ? error.message : String(error));
    const log = (line: string): void => this.logs.append(row.id, line);
    const now = Date.now();
    if (abort?.kind === 'lost') {
      log(`stopped: ${message}`);
      return;
    }
    if (abort?.kind === 'shutdown') {
      log(`interrupted: ${message}; back to the queue`);
      await this.requeue(row, 0, null, 'interrupted by a shutdown', false);
      return;
    }
    if (abort?.kind === 'cancel') {
      if (await this.jobStore.updateRunning(row.id, this.workerId, { state: 'cancelled', message, error: message, finished_at: now, updated_at: now })) {
        log(message);
        await this.settled(row.id, 'cancelled', message, 'system');
      }
      return;
    }
    const retryable = !abort && !(error instanceof DomainError) && !(error instanceof JobFailure && !error.retryable);
    if (retryable && row.attempts < row.max_attempts) {
      const delay = retryDelayMs(this.deps.config.backoffMs, row.attempts);
      log(`attempt ${row.attempts} failed: ${message}; retrying in ${Math.round(delay / 1000)} s`);
      await this.requeue(row, delay, message, `retrying after: ${message}`, true);
      return;
    }
    if (!abort && !(error instanceof DomainError) && !(error instanceof JobFailure)) logger.error({ err: error, jobId: row.id }, 'job failed unexpectedly');
    if (await this.jobStore.updateRunning(row.id, this.workerId, { state: 'failed', error: message, message: 'failed', finished_at: now, updated_at: now })) {
      log(`failed: ${message}`);
      await this.settled(row.id, 'failed', message, 'system');
    }
  }

  /** Back to the queue (retry after `delayMs`, or a shutdown with the attempt not counted). */
  private async requeue(row: JobsTable, delayMs: number, error: string | null, message: string, countAttempt: boolean): Promise<void> {
    const now = Date.now();
    await this.jobStore.updateRunning(row.id, this.workerId, {
      state: 'queued',
      worker: null,
      heartbeat_at: null,
      gpu_indices: null,
      run_after: now + delayMs,
      message,
      updated_at: now,
      ...(error ? { error } : {}),
      ...(countAttempt ? {} : { attempts: Math.max(0, row.attempts - 1) }),
    });
    this.logs.events.emit('state', row.id);
    await this.syncAction(row.id);
    if (delayMs > 0) setTimeout(() => this.wake(), delayMs + 5).unref();
  }

  private progress(id: string, report: ProgressReport): void {
    const entry = this.progressTimers.get(id) ?? {};
    const patch: Partial<JobsTable> = { ...(entry.pending ?? {}), updated_at: Date.now() };
    if (report.progress !== undefined && Number.isFinite(report.progress)) patch.progress = Math.min(1, Math.max(0, report.progress));
    if (report.message !== undefined) patch.message = report.message.slice(0, 1000);
    if (report.metrics) {
      const previous = entry.pending?.metrics ? fromJson<Record<string, number>>(entry.pending.metrics, {}) : (this.lastMetrics.get(id) ?? {});
      const merged = { ...previous, ...finiteMetrics(report.metrics) };
      this.lastMetrics.set(id, merged);
      patch.metrics = toJson(merged);
    }
    entry.pending = patch;
    // Written at most every 250 ms: progress is for people, not an audit trail.
    entry.timer ??= setTimeout(() => void this.flushProgress(id), 250);
    this.progressTimers.set(id, entry);
  }

  private async flushProgress(id: string): Promise<void> {
    const entry = this.progressTimers.get(id);
    if (!entry) return;
    this.progressTimers.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.pending) {
      await this.jobStore.updateRunning(id, this.workerId, entry.pending).catch((error: unknown) => this.deps.logger.warn({ err: error, jobId: id }, 'job progress not stored'));
      this.logs.events.emit('state', id);
    }
  }

  private async mergeResult(id: string, patch: Record<string, unknown>): Promise<void> {
    const row = await this.jobStore.find(id);
    if (!row) return;
    const result = { ...fromJson<Record<string, unknown>>(row.result, {}), ...patch };
    await this.jobStore.updateRunning(id, this.workerId, { result: toJson(result), updated_at: Date.now() });
  }

  // ------------------------------------------------------------------ heartbeats and recovery

  private async heartbeats(): Promise<void> {
    const now = Date.now();
    for (const [id, job] of this.running) {
      if (job.controller.signal.aborted) continue;
      try {
        const beat = await this.jobStore.heartbeat(id, this.workerId, now);
        if (!beat) job.controller.abort(new JobAbort('lost', 'the job is no longer this worker\'s (recovered as stale or ended elsewhere)'));
        else if (beat.cancelRequested) job.controller.abort(new JobAbort('cancel', beat.cancelReason ?? 'cancelled'));
      } catch (error) {
        this.deps.logger.warn({ err: error, jobId: id }, 'job heartbeat failed; will retry');
      }
    }
  }

  /**
   * Jobs left `running` by a worker whose heartbeat stopped are marked failed, with the
   * reason; they are not re-run automatically (docs/jobs.md: a crash in training tends to
   * repeat, and a retrain is cheap to ask for again).
   */
  async recoverStale(): Promise<JobsTable[]> {
    const now = Date.now();
    this.lastRecovery = now;
    const recovered: JobsTable[] = [];
    for (const row of await this.jobStore.stale(now - this.deps.config.staleMs)) {
      if (this.running.has(row.id)) continue;
      const since = row.heartbeat_at === null ? 'never' : new Date(Number(row.heartbeat_at)).toISOString();
      const error = `worker ${row.worker ?? '?'} stopped heartbeating (last heartbeat ${since}): its process crashed or was killed; the job is not re-run automatically, ask for a new retrain`;
      const failed = await this.jobStore.failStale(row, now, error);
      if (!failed) continue;
      recovered.push(failed);
      this.logs.append(row.id, `recovered by ${this.workerId}: ${error}`);
      this.deps.logger.warn({ jobId: row.id, worker: row.worker }, 'job of a dead worker marked failed');
      await this.settled(row.id, 'failed', error, 'system');
    }
    return recovered;
  }

  // ------------------------------------------------------------------ outcomes

  /** After a job ended: audit, wake live log streams, and make its action follow. */
  private async settled(id: string, state: JobState, error: string | null, actor: Actor | string): Promise<void> {
    this.lastMetrics.delete(id);
    this.logs.events.emit('state', id);
    const row = await this.jobStore.find(id);
    if (!row) return;
    try {
      const validation = fromJson<Record<string, unknown>>(row.result, {}).validation as { status?: string } | undefined;
      await this.deps.audit.record({
        type: `job.${state}`,
        status: state === 'succeeded' ? 'succeeded' : 'failed',
        model: row.model,
        actor,
        reason: row.reason,
        toVersion: row.produced_version,
        jobId: row.id,
        details: {
          type: row.type,
          runner: row.runner,
          attempts: Number(row.attempts),
          ...(error ? { error } : {}),
          ...(validation?.status ? { validation: validation.status } : {}),
          ...(row.action_id ? { actionId: row.action_id } : {}),
        },
      });
    } catch (auditError) {
      this.deps.logger.error({ err: auditError, jobId: id }, 'auditing the end of a job failed');
    }
    await this.syncAction(id);
  }

  /**
   * Makes the job's action (retrain) show the job: details.jobState always, and the
   * action's status once the job has ended (succeeded → succeeded; failed or cancelled →
   * failed). Idempotent; safe to call from any replica at any time.
   */
  async syncAction(id: string): Promise<void> {
    const actions = this.deps.actions?.();
    if (!actions) return;
    const row = await this.jobStore.find(id);
    if (!row?.action_id) return;
    const result = fromJson<Record<string, unknown>>(row.result, {});
    const validation = result.validation as { status?: string } | undefined;
    const patch: Record<string, unknown> = {
      jobId: row.id,
      jobState: row.state,
      ...(row.produced_version ? { producedVersion: row.produced_version } : {}),
      ...(validation?.status ? { validation: validation.status } : {}),
      ...(row.error ? { error: row.error } : {}),
    };
    const status: ActionStatus | undefined = row.state === 'succeeded' ? 'succeeded' : row.state === 'failed' || row.state === 'cancelled' ? 'failed' : undefined;
    try {
      await actions.updateDetails(row.action_id, patch, status);
    } catch (error) {
      this.deps.logger.warn({ err: error, jobId: id, actionId: row.action_id }, 'updating the job\'s action failed');
    }
  }
}
