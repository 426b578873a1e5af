import type { Logger } from 'pino';
import type { JobsConfig } from '../core/config.ts';
import { GpuSlots, type MachineGpus } from './gpu.ts';
import { JobAbort, type JobHandlers, type Waker } from './job-handler.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobOutcomes } from './job-outcomes.ts';
import type { JobProgress } from './job-progress.ts';
import type { JobStore } from './job-store.ts';
import type { RecoverStaleJobs } from './recover-stale.ts';
import { RunJob } from './run-job.ts';
import type { RunningJobs } from './running-jobs.ts';

export interface JobWorkerDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  logger: Logger;
  config: JobsConfig;
  handlers: JobHandlers;
  gpus: MachineGpus;
  running: RunningJobs;
  progress: JobProgress;
  outcomes: JobOutcomes;
  recovery: RecoverStaleJobs;
  workerId: string;
  /**
   * false: no poll or heartbeat timers and no wake on enqueue; whoever steps the service calls
   * runOnce(), which runs the queued jobs to their end (scenarios/engine.ts). Default true.
   */
  timers?: boolean;
}

/**
 * The worker loop. It polls every `pollMs` and wakes at once when this process enqueues; at
 * most `workers` jobs run here at a time, each holding its GPU slots. A running job's
 * heartbeat is refreshed every `heartbeatMs`; the heartbeat also tells it of a cancel
 * recorded by another replica, or that the job was taken from it.
 */
export class JobWorker implements Waker {
  private readonly deps: JobWorkerDeps;
  private readonly runJob: RunJob;
  private slots: GpuSlots = new GpuSlots([]);
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private started = false;
  private stopped = false;

  constructor(deps: JobWorkerDeps) {
    this.deps = deps;
    const { jobStore, logs, logger, handlers, progress, outcomes, workerId, config } = deps;
    this.runJob = new RunJob({ jobStore, logs, logger, handlers, progress, outcomes, workerId, backoffMs: config.backoffMs, worker: this });
  }

  /** Discovers GPUs, recovers jobs of dead workers, and starts the loop. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config, logger } = this.deps;
    const gpus = await this.deps.gpus.discover();
    this.slots = new GpuSlots(gpus.gpus.map((g) => g.index), config.slotsPerGpu);
    logger.info({ worker: this.deps.workerId, workers: config.workers, gpus: gpus.gpus.length, source: gpus.source }, 'job worker ready');
    await this.recover();
    if (config.workers <= 0 || this.deps.timers === false) return;
    this.pollTimer = setInterval(() => void this.tick(), config.pollMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.heartbeats(), config.heartbeatMs);
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
    await this.deps.running.abortAll(() => new JobAbort('shutdown', 'the service is shutting down'));
    await this.deps.logs.flush();
  }

  /** Looks for work now (enqueue in this process calls it). */
  wake(): void {
    if (!this.started || this.stopped || this.deps.config.workers <= 0 || this.deps.timers === false) return;
    void this.pump();
  }

  /**
   * Without timers: claims the queued jobs one at a time and runs each to its end, awaited, until
   * none is left that may run now. Deterministic for a caller that steps the service.
   */
  async runOnce(): Promise<void> {
    if (!this.started || this.stopped) return;
    const { jobStore, running, workerId } = this.deps;
    for (;;) {
      const row = await jobStore.claim(workerId, Date.now(), this.slots.freeGpus());
      if (!row) return;
      const slots = this.slots;
      await new Promise<void>((resolve) => running.start(row, (controller) => this.runJob.run(row, controller, slots), resolve));
    }
  }

  private recover(): Promise<unknown> {
    return this.deps.recovery.recover().catch((error: unknown) => this.deps.logger.error({ err: error }, 'job recovery failed'));
  }

  private async tick(): Promise<void> {
    const { config, recovery } = this.deps;
    if (Date.now() - recovery.lastRun >= Math.max(config.pollMs, config.staleMs / 4)) await this.recover();
    await this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const { jobStore, running, workerId, config } = this.deps;
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped && running.size < config.workers) {
          const row = await jobStore.claim(workerId, Date.now(), this.slots.freeGpus());
          if (!row) break;
          if (this.stopped) {
            // Claimed while stopping: hand it back untouched.
            await this.runJob.requeue(row, 0, null, 'the service is shutting down', false);
            break;
          }
          const slots = this.slots;
          running.start(row, (controller) => this.runJob.run(row, controller, slots), () => this.wake());
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      if (!this.stopped) this.deps.logger.error({ err: error }, 'claiming jobs failed; will retry');
    } finally {
      this.pumping = false;
    }
  }

  private async heartbeats(): Promise<void> {
    const now = Date.now();
    for (const [id, job] of this.deps.running.entries()) {
      if (job.controller.signal.aborted) continue;
      try {
        const beat = await this.deps.jobStore.heartbeat(id, this.deps.workerId, now);
        if (!beat) job.controller.abort(new JobAbort('lost', "the job is no longer this worker's (recovered as stale or ended elsewhere)"));
        else if (beat.cancelRequested) job.controller.abort(new JobAbort('cancel', beat.cancelReason ?? 'cancelled'));
      } catch (error) {
        this.deps.logger.warn({ err: error, jobId: id }, 'job heartbeat failed; will retry');
      }
    }
  }
}
