import type { Logger } from 'pino';
import { DomainError } from '../core/errors.ts';
import { fromJson, toJson } from '../store/database.ts';
import type { JobsTable } from '../store/schema.ts';
import type { GpuSlots } from './gpu.ts';
import { JobAbort, type JobHandlers, type Waker } from './job-handler.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobOutcomes } from './job-outcomes.ts';
import type { JobProgress } from './job-progress.ts';
import { toJob, type JobStore } from './job-store.ts';
import { JobFailure, type LogStream } from './job-types.ts';

/** Exponential backoff before attempt `attempt + 1` (attempt counts from 1), capped at 1 hour. */
export const retryDelayMs = (baseMs: number, attempt: number): number => Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));

export interface RunJobDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  logger: Logger;
  handlers: JobHandlers;
  progress: JobProgress;
  outcomes: JobOutcomes;
  workerId: string;
  backoffMs: number;
  /** Woken when a retried job comes due. */
  worker: Waker;
}

/**
 * Runs one claimed job with its handler, holding its GPU slots, under its timeout; stores
 * the outcome. Retryable failures go back to the queue with backoff until max_attempts;
 * a shutdown hands the job back without counting the attempt.
 */
export class RunJob {
  private readonly deps: RunJobDeps;

  constructor(deps: RunJobDeps) {
    this.deps = deps;
  }

  async run(row: JobsTable, controller: AbortController, slots: GpuSlots): Promise<void> {
    const { jobStore, logs, progress, outcomes, workerId } = this.deps;
    const handler = this.deps.handlers.get(row.type);
    const gpuIndices = slots.acquire(row.gpus) ?? [];
    const timeout = setTimeout(
      () => controller.abort(new JobAbort('timeout', `timed out after ${Math.round(Number(row.timeout_ms) / 1000)} s`)),
      Math.min(Number(row.timeout_ms), 2 ** 31 - 1),
    );
    timeout.unref();
    const log = (line: string, stream: LogStream = 'system'): void => logs.append(row.id, line, stream);
    try {
      log(`attempt ${row.attempts} of ${row.max_attempts} started on ${workerId}${gpuIndices.length ? ` with GPU ${gpuIndices.join(',')}` : ''}`);
      if (!handler) throw new JobFailure(`no handler for job type "${row.type}" in this service build`, false);
      if (row.gpus > 0 && gpuIndices.length < row.gpus) throw new JobFailure(`${row.gpus} GPUs needed, this machine has ${slots.count}`, false);
      if (gpuIndices.length) await jobStore.updateRunning(row.id, workerId, { gpu_indices: toJson(gpuIndices) });
      logs.events.emit('state', row.id);
      await outcomes.syncAction(row.id);
      const job = toJob({ ...row, gpu_indices: gpuIndices.length ? toJson(gpuIndices) : null });
      const outcome =
        (await handler.run({
          job,
          input: fromJson<Record<string, unknown>>(row.input, {}),
          signal: controller.signal,
          gpuIndices,
          progress: (report) => progress.report(row.id, report),
          log,
          setResult: (patch) => this.mergeResult(row.id, patch),
          setProducedVersion: async (version) => {
            await jobStore.updateRunning(row.id, workerId, { produced_version: version, updated_at: Date.now() });
          },
        })) ?? {};
      await progress.flush(row.id);
      if (outcome.result) await this.mergeResult(row.id, outcome.result);
      const done = await jobStore.updateRunning(row.id, workerId, {
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
        await outcomes.settled(row.id, 'succeeded', null, 'system');
      } else log("finished, but the job was no longer this worker's (recovered or cancelled meanwhile); outcome dropped");
    } catch (error) {
      await progress.flush(row.id);
      await this.failed(row, controller, error);
    } finally {
      clearTimeout(timeout);
      slots.release(gpuIndices);
      await logs.flush();
      logs.forget(row.id);
    }
  }

  private async failed(row: JobsTable, controller: AbortController, error: unknown): Promise<void> {
    const { jobStore, logs, logger, outcomes, workerId } = this.deps;
    const abort = controller.signal.aborted && controller.signal.reason instanceof JobAbort ? controller.signal.reason : undefined;
    const message = abort?.message ?? (error instanceof Error ? error.message : String(error));
    const log = (line: string): void => logs.append(row.id, line);
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
      if (await jobStore.updateRunning(row.id, workerId, { state: 'cancelled', message, error: message, finished_at: now, updated_at: now })) {
        log(message);
        await outcomes.settled(row.id, 'cancelled', message, 'system');
      }
      return;
    }
    const retryable = !abort && !(error instanceof DomainError) && !(error instanceof JobFailure && !error.retryable);
    if (retryable && row.attempts < row.max_attempts) {
      const delay = retryDelayMs(this.deps.backoffMs, row.attempts);
      log(`attempt ${row.attempts} failed: ${message}; retrying in ${Math.round(delay / 1000)} s`);
      await this.requeue(row, delay, message, `retrying after: ${message}`, true);
      return;
    }
    if (!abort && !(error instanceof DomainError) && !(error instanceof JobFailure)) logger.error({ err: error, jobId: row.id }, 'job failed unexpectedly');
    if (await jobStore.updateRunning(row.id, workerId, { state: 'failed', error: message, message: 'failed', finished_at: now, updated_at: now })) {
      log(`failed: ${message}`);
      await outcomes.settled(row.id, 'failed', message, 'system');
    }
  }

  /** Back to the queue (retry after `delayMs`, or a shutdown with the attempt not counted). */
  async requeue(row: JobsTable, delayMs: number, error: string | null, message: string, countAttempt: boolean): Promise<void> {
    const now = Date.now();
    await this.deps.jobStore.updateRunning(row.id, this.deps.workerId, {
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
    this.deps.logs.events.emit('state', row.id);
    await this.deps.outcomes.syncAction(row.id);
    if (delayMs > 0) setTimeout(() => this.deps.worker.wake(), delayMs + 5).unref();
  }

  private async mergeResult(id: string, patch: Record<string, unknown>): Promise<void> {
    const row = await this.deps.jobStore.find(id);
    if (!row) return;
    const result = { ...fromJson<Record<string, unknown>>(row.result, {}), ...patch };
    await this.deps.jobStore.updateRunning(id, this.deps.workerId, { result: toJson(result), updated_at: Date.now() });
  }
}
