import type { Logger } from 'pino';
import type { JobsTable } from '../store/schema.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobOutcomes } from './job-outcomes.ts';
import type { JobStore } from './job-store.ts';
import type { RunningJobs } from './running-jobs.ts';

export interface RecoverStaleDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  logger: Logger;
  outcomes: JobOutcomes;
  running: RunningJobs;
  workerId: string;
  staleMs: number;
}

/**
 * Jobs left `running` by a worker whose heartbeat stopped are marked failed, with the
 * reason; they are not re-run automatically (docs/jobs.md: a crash in training tends to
 * repeat, and a retrain is cheap to ask for again).
 */
export class RecoverStaleJobs {
  private readonly deps: RecoverStaleDeps;
  private last = 0;

  constructor(deps: RecoverStaleDeps) {
    this.deps = deps;
  }

  /** When this process last looked (the worker's poll looks again after a while). */
  get lastRun(): number {
    return this.last;
  }

  async recover(): Promise<JobsTable[]> {
    const { jobStore, logs, logger, outcomes, running, workerId } = this.deps;
    const now = Date.now();
    this.last = now;
    const recovered: JobsTable[] = [];
    for (const row of await jobStore.stale(now - this.deps.staleMs)) {
      if (running.has(row.id)) continue;
      const since = row.heartbeat_at === null ? 'never' : new Date(Number(row.heartbeat_at)).toISOString();
      const error = `worker ${row.worker ?? '?'} stopped heartbeating (last heartbeat ${since}): its process crashed or was killed; the job is not re-run automatically, ask for a new retrain`;
      const failed = await jobStore.failStale(row, now, error);
      if (!failed) continue;
      recovered.push(failed);
      logs.append(row.id, `recovered by ${workerId}: ${error}`);
      logger.warn({ jobId: row.id, worker: row.worker }, 'job of a dead worker marked failed');
      await outcomes.settled(row.id, 'failed', error, 'system');
    }
    return recovered;
  }
}
