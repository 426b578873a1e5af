import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ActionReply } from '../actions/action-types.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { JobsConfig } from '../core/config.ts';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import { CancelJob } from './cancel-job.ts';
import { EnqueueJob } from './enqueue-job.ts';
import { MachineGpus, type GpuDiscovery } from './gpu.ts';
import type { JobHandlers } from './job-handler.ts';
import { JobLogWriter } from './job-logs.ts';
import { registerJobGauge } from './job-metrics.ts';
import { JobOutcomes, type ActionUpdater } from './job-outcomes.ts';
import { JobProgress } from './job-progress.ts';
import { JobStore } from './job-store.ts';
import type { EnqueueInput, Job, JobLogLine, JobState } from './job-types.ts';
import { JobWorker } from './job-worker.ts';
import { ReadJobs } from './read-jobs.ts';
import { RecoverStaleJobs } from './recover-stale.ts';
import { RetrainAction, type ActionRecorder } from './retrain-action.ts';
import { RunningJobs } from './running-jobs.ts';

export interface JobServiceDeps {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  config: JobsConfig;
  /** The handler of each job type (compose/jobs.ts: retrain). */
  handlers: JobHandlers;
  /** Retrain actions are recorded here, and follow their jobs. */
  actions: ActionRecorder & ActionUpdater;
  /** Recovery of dead workers' jobs runs on one replica at a time (the `job-recovery` lease). */
  leases: Leases;
  /** Where modelwatch_jobs{state} goes; omitted: nowhere. */
  prometheus?: Registry;
  /** GPUs of this machine; default: discovered from MODELWATCH_GPUS / nvidia-smi. */
  gpus?: GpuDiscovery;
  /** false: the worker has no timers and runs jobs only in runOnce() (job-worker.ts). */
  timers?: boolean;
  /** Stamps a job's created_at; default: the system clock. */
  clock?: Clock;
}

/**
 * The job queue (docs/jobs.md): one facade over its use cases. Jobs live in the store
 * (jobs/job-store.ts), so every replica sees them and exactly one claims each; the worker
 * (job-worker.ts) runs them; a job whose heartbeat is older than `staleMs` belonged to a dead
 * process and is marked failed (recover-stale.ts); retryable failures are re-queued with
 * exponential backoff until `maxAttempts` (run-job.ts).
 */
export class JobService {
  private readonly worker: JobWorker;
  private readonly enqueuer: EnqueueJob;
  private readonly reads: ReadJobs;
  private readonly canceller: CancelJob;
  private readonly retrainAction: RetrainAction;

  constructor(deps: JobServiceDeps) {
    const { store, audit, logger, config, handlers, actions } = deps;
    const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const jobStore = new JobStore(store);
    const logs = new JobLogWriter(jobStore, logger);
    const gpus = new MachineGpus(config.gpus, deps.gpus);
    const running = new RunningJobs();
    const progress = new JobProgress({ jobStore, logs, logger, workerId });
    const outcomes = new JobOutcomes({ jobStore, logs, audit, logger, actions, progress });
    const recovery = new RecoverStaleJobs({ jobStore, logs, logger, outcomes, running, workerId, staleMs: config.staleMs, leases: deps.leases });
    this.worker = new JobWorker({ jobStore, logs, logger, config, handlers, gpus, running, progress, outcomes, recovery, workerId, timers: deps.timers });
    this.enqueuer = new EnqueueJob({ jobStore, logs, audit, config, handlers, gpus, worker: this.worker, now: () => (deps.clock ?? systemClock).now() });
    this.reads = new ReadJobs({ jobStore, logs });
    this.canceller = new CancelJob({ jobStore, logs, outcomes, running, jobs: this.reads });
    this.retrainAction = new RetrainAction({ actions, queue: this.enqueuer, worker: this.worker, outcomes });
    if (deps.prometheus) registerJobGauge(deps.prometheus, jobStore, logger);
  }

  /** Discovers GPUs, recovers jobs of dead workers, and starts the worker loop. */
  start(): Promise<void> {
    return this.worker.start();
  }

  /** Without timers: runs the queued jobs to their end (job-worker.ts runOnce). */
  runOnce(): Promise<void> {
    return this.worker.runOnce();
  }

  /** Stops claiming; the jobs running here go back to the queue. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Queues a job. `wake: false` leaves it to the next poll. */
  enqueue(input: EnqueueInput, options: { wake?: boolean } = {}): Promise<Job> {
    return this.enqueuer.enqueue(input, options);
  }

  get(id: string): Promise<Job> {
    return this.reads.get(id);
  }

  list(q: { model?: string | undefined; state?: JobState | undefined; limit?: number | undefined } = {}): Promise<Job[]> {
    return this.reads.list(q);
  }

  readLogs(id: string, after = 0, limit = 1000): Promise<{ logs: JobLogLine[]; job: Job }> {
    return this.reads.readLogs(id, after, limit);
  }

  followLogs(id: string, after: number, signal: AbortSignal, pollMs = 1000): AsyncGenerator<{ log: JobLogLine } | { end: Job }> {
    return this.reads.followLogs(id, after, signal, pollMs);
  }

  cancel(id: string, actor: Actor | string, reason?: string): Promise<Job> {
    return this.canceller.cancel(id, actor, reason);
  }

  waitFor(id: string, timeoutMs = 60_000): Promise<Job> {
    return this.reads.waitFor(id, timeoutMs);
  }

  /** The retrain action: an action record that queues a retrain job (retrain-action.ts). */
  retrain(model: string, input: Record<string, unknown>, actor: Actor | string, idempotencyKey?: string): Promise<ActionReply> {
    return this.retrainAction.retrain(model, input, actor, idempotencyKey);
  }
}
