import { notFound } from '../core/errors.ts';
import type { JobLogWriter } from './job-logs.ts';
import { toJob, type JobStore } from './job-store.ts';
import { isTerminal, type Job, type JobLogLine, type JobState } from './job-types.ts';

/** Reading jobs and their logs (stored lines, or followed live). */
export class ReadJobs {
  private readonly jobStore: JobStore;
  private readonly logs: JobLogWriter;

  constructor(deps: { jobStore: JobStore; logs: JobLogWriter }) {
    this.jobStore = deps.jobStore;
    this.logs = deps.logs;
  }

  async get(id: string): Promise<Job> {
    const row = await this.jobStore.find(id);
    if (!row) throw notFound(`job "${id}" not found; see GET /api/v1/jobs`);
    return toJob(row);
  }

  async list(q: { model?: string | undefined; state?: JobState | undefined; limit?: number | undefined } = {}): Promise<Job[]> {
    return (await this.jobStore.list(q)).map(toJob);
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
      await this.nextWrite(id, signal, pollMs);
    }
  }

  /** Resolves when the job's logs or state change here, after `pollMs`, or on abort. */
  private nextWrite(id: string, signal: AbortSignal, pollMs: number): Promise<void> {
    const { events } = this.logs;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        events.off('logs', onLogs);
        events.off('state', onLogs);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onLogs = (jobId: string): void => {
        if (jobId === id) done();
      };
      const timer = setTimeout(done, pollMs);
      events.on('logs', onLogs);
      events.on('state', onLogs);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
