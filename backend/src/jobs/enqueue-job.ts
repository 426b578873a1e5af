import { randomUUID } from 'node:crypto';
import { actorName } from '../auth/roles.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { JobsConfig } from '../core/config.ts';
import { DomainError, invalid } from '../core/errors.ts';
import { toJson } from '../store/database.ts';
import type { JobsTable } from '../store/schema.ts';
import type { MachineGpus } from './gpu.ts';
import type { JobHandlers, Waker } from './job-handler.ts';
import type { JobLogWriter } from './job-logs.ts';
import { toJob, type JobStore } from './job-store.ts';
import type { EnqueueInput, Job } from './job-types.ts';

export interface EnqueueJobDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  audit: AuditLog;
  config: JobsConfig;
  handlers: JobHandlers;
  gpus: MachineGpus;
  worker: Waker;
  /** The service clock: a job's created_at, which retrain cooldowns measure from (jobs/retrain-triggers.ts). */
  now: () => number;
}

/** Queues a job: its handler checks and completes the request, then the row is written and audited. */
export class EnqueueJob {
  private readonly deps: EnqueueJobDeps;

  constructor(deps: EnqueueJobDeps) {
    this.deps = deps;
  }

  /** `wake: false` leaves it to the next poll (the retrain action wakes after recording). */
  async enqueue(input: EnqueueInput, options: { wake?: boolean } = {}): Promise<Job> {
    const { handlers, config } = this.deps;
    const handler = handlers.get(input.type);
    if (!handler) throw invalid(`type: unknown job type "${input.type}"; one of ${[...handlers.keys()].join(', ') || '(none)'}`);
    const prepared = handler.prepare ? await handler.prepare(input) : input;
    const gpus = prepared.gpus ?? 0;
    if (!Number.isInteger(gpus) || gpus < 0 || gpus > 64) throw invalid('gpus: an integer in [0, 64]');
    if (gpus > 0) await this.assertGpus(gpus);
    const now = this.deps.now();
    const maxAttempts = prepared.maxAttempts ?? config.retries + 1;
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
      timeout_ms: prepared.timeoutMs ?? config.timeoutMs,
      // The worker claims by wall time (job-worker.ts).
      run_after: Date.now(),
      worker: null,
      heartbeat_at: null,
      cancel_requested: 0,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    await this.deps.jobStore.insert(row);
    await this.deps.audit.record({
      type: 'job.queued',
      status: 'succeeded',
      model: row.model,
      actor: prepared.actor,
      reason: row.reason,
      jobId: row.id,
      details: { type: row.type, runner: row.runner, gpus, actionId: row.action_id },
    });
    this.deps.logs.append(row.id, `queued ${row.type}${row.model ? ` of ${row.model}` : ''} by ${row.actor}${row.runner ? ` (runner ${row.runner}${gpus ? `, ${gpus} GPU${gpus > 1 ? 's' : ''}` : ''})` : ''}`);
    if (options.wake !== false) this.deps.worker.wake();
    return toJob(row);
  }

  /** Refuses at once a GPU request this machine can never satisfy. */
  private async assertGpus(requested: number): Promise<void> {
    if (this.deps.config.workers <= 0) return; // jobs run on other replicas; this one cannot judge
    const { gpus, source } = await this.deps.gpus.discover();
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
}
