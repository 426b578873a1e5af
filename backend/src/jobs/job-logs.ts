import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { JobStore } from './job-store.ts';
import type { LogStream } from './job-types.ts';

interface PendingLine {
  jobId: string;
  ts: number;
  stream: LogStream;
  line: string;
}

/**
 * Job log lines: buffered and written in batches (a chatty trainer does not cost one insert
 * per line), capped per job, and announced (`logs` event with the job id) after each write
 * so live streams in this process see them at once; other replicas' streams poll.
 */
export class JobLogWriter {
  readonly events = new EventEmitter();
  private readonly store: JobStore;
  private readonly logger: Logger;
  private readonly maxLinesPerJob: number;
  private readonly flushMs: number;
  private pending: PendingLine[] = [];
  private readonly counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(store: JobStore, logger: Logger, options: { maxLinesPerJob?: number; flushMs?: number } = {}) {
    this.store = store;
    this.logger = logger;
    this.maxLinesPerJob = options.maxLinesPerJob ?? 20_000;
    this.flushMs = options.flushMs ?? 200;
    this.events.setMaxListeners(0);
  }

  append(jobId: string, line: string, stream: LogStream = 'system'): void {
    const count = (this.counts.get(jobId) ?? 0) + 1;
    this.counts.set(jobId, count);
    if (count > this.maxLinesPerJob + 1) return;
    const text = count === this.maxLinesPerJob + 1 ? `log truncated: more than ${this.maxLinesPerJob} lines; later lines are not stored` : line;
    this.pending.push({ jobId, ts: Date.now(), stream: count === this.maxLinesPerJob + 1 ? 'system' : stream, line: text });
    if (this.pending.length >= 500) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** Writes what is buffered; resolves when it (and any earlier write) is stored. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      if (!batch.length) return;
      try {
        await this.store.appendLogs(batch);
      } catch (error) {
        this.logger.error({ err: error, lines: batch.length }, 'storing job log lines failed');
      }
      for (const jobId of new Set(batch.map((l) => l.jobId))) this.events.emit('logs', jobId);
    });
    return this.flushing;
  }

  /** Forgets the per-job line count (after the job ended). */
  forget(jobId: string): void {
    this.counts.delete(jobId);
  }
}
