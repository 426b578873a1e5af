import type { JobsTable } from '../store/schema.ts';
import type { JobAbort } from './job-handler.ts';

interface RunningJob {
  row: JobsTable;
  controller: AbortController;
  done: Promise<void>;
}

/** The jobs running in this process: the worker adds them, cancel and recovery look them up. */
export class RunningJobs {
  private readonly jobs = new Map<string, RunningJob>();

  get size(): number {
    return this.jobs.size;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  entries(): IterableIterator<[string, RunningJob]> {
    return this.jobs.entries();
  }

  /** Runs `run` as the job `row`, tracked until it settles; `then` runs after it is untracked. */
  start(row: JobsTable, run: (controller: AbortController) => Promise<void>, then: () => void): void {
    const controller = new AbortController();
    const entry: RunningJob = { row, controller, done: Promise.resolve() };
    this.jobs.set(row.id, entry);
    entry.done = run(controller).finally(() => {
      this.jobs.delete(row.id);
      then();
    });
  }

  /** Aborts the job if it runs here. */
  abort(id: string, reason: JobAbort): void {
    this.jobs.get(id)?.controller.abort(reason);
  }

  /** Aborts every job running here and waits for them to end. */
  async abortAll(reason: () => JobAbort): Promise<void> {
    for (const job of this.jobs.values()) job.controller.abort(reason());
    await Promise.allSettled([...this.jobs.values()].map((j) => j.done));
  }
}
