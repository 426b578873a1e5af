import type { Actor } from '../auth/roles.ts';
import { DomainError, notFound } from '../core/errors.ts';
import { actorName } from '../auth/roles.ts';
import { JobAbort } from './job-handler.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobOutcomes } from './job-outcomes.ts';
import type { JobStore } from './job-store.ts';
import { isTerminal, type Job } from './job-types.ts';
import type { RunningJobs } from './running-jobs.ts';

export interface CancelJobDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  outcomes: JobOutcomes;
  running: RunningJobs;
  jobs: { get(id: string): Promise<Job> };
}

/** Cancels a job: a queued one at once, a running one by aborting it (its trainer is killed). */
export class CancelJob {
  private readonly deps: CancelJobDeps;

  constructor(deps: CancelJobDeps) {
    this.deps = deps;
  }

  async cancel(id: string, actor: Actor | string, reason?: string): Promise<Job> {
    const { jobStore, logs, outcomes, running, jobs } = this.deps;
    const row = await jobStore.find(id);
    if (!row) throw notFound(`job "${id}" not found; see GET /api/v1/jobs`);
    const why = `cancelled by ${actorName(actor)}${reason ? `: ${reason}` : ''}`;
    if (isTerminal(row.state)) throw new DomainError('conflict', `job "${id}" has already ended (${row.state})`);
    const now = Date.now();
    if (row.state === 'queued' && (await jobStore.cancelQueued(id, now, why))) {
      logs.append(id, why);
      await outcomes.settled(id, 'cancelled', why, actor);
      return jobs.get(id);
    }
    if (await jobStore.requestCancel(id, now, why)) {
      logs.append(id, `cancel requested by ${actorName(actor)}${reason ? `: ${reason}` : ''}`);
      // Running here: stop now. Elsewhere: its worker sees the flag at its next heartbeat.
      running.abort(id, new JobAbort('cancel', why));
    }
    return jobs.get(id);
  }
}
