import os from 'node:os';
import type { Logger } from 'pino';
import type { Leases } from '../store/leases.ts';
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
  leases: Leases;
}

/**
 * The pid of a worker that ran on this host and whose process is gone (a restart after
 * kill -9), from its id `<host>:<pid>:<random>` (job-service.ts); undefined otherwise. A pid
 * reused by another process only delays recovery to the heartbeat timeout. The ingest journal
 * (monitor/ingest-journal.ts) decides the same way.
 */
function deadPidHere(worker: string | null): number | undefined {
  const parts = worker?.split(':') ?? [];
  if (parts.length < 3) return undefined;
  const pid = Number(parts[parts.length - 2]);
  if (parts.slice(0, -2).join(':') !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? undefined : pid;
  }
}

/**
 * Jobs left `running` by a worker whose heartbeat stopped, or whose process on this host is
 * gone, are marked failed, with the reason; they are not re-run automatically (docs/jobs.md:
 * a crash in training tends to repeat, and a retrain is cheap to ask for again). A service
 * restarted after kill -9 so fails its own orphans at start, without waiting `staleMs`. One
 * replica at a time looks (the `job-recovery` lease); the others skip that round.
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
    this.last = Date.now();
    const recovered: JobsTable[] = [];
    await this.deps.leases.run('job-recovery', (signal) => this.recoverInto(recovered, signal));
    return recovered;
  }

  private async recoverInto(recovered: JobsTable[], signal: AbortSignal): Promise<void> {
    const { jobStore, logs, logger, outcomes, running, workerId } = this.deps;
    const now = Date.now();
    const staleBefore = now - this.deps.staleMs;
    // Every running job with a heartbeat; each is checked below.
    for (const row of await jobStore.stale(Number.MAX_SAFE_INTEGER)) {
      signal.throwIfAborted();
      if (running.has(row.id)) continue;
      const deadPid = deadPidHere(row.worker);
      if (deadPid === undefined && Number(row.heartbeat_at) >= staleBefore) continue;
      const since = row.heartbeat_at === null ? 'never' : new Date(Number(row.heartbeat_at)).toISOString();
      const why = deadPid === undefined ? `stopped heartbeating (last heartbeat ${since})` : `is gone (pid ${deadPid} no longer runs on this host; last heartbeat ${since})`;
      const error = `worker ${row.worker ?? '?'} ${why}: its process crashed or was killed; the job is not re-run automatically, ask for a new retrain`;
      const failed = await jobStore.failStale(row, now, error);
      if (!failed) continue;
      recovered.push(failed);
      logs.append(row.id, `recovered by ${workerId}: ${error}`);
      logger.warn({ jobId: row.id, worker: row.worker }, 'job of a dead worker marked failed');
      await outcomes.settled(row.id, 'failed', error, 'system');
    }
  }
}
