import type { Logger } from 'pino';
import { fromJson, toJson } from '../store/database.ts';
import type { JobsTable } from '../store/schema.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobStore } from './job-store.ts';
import type { ProgressReport } from './job-types.ts';

const finiteMetrics = (metrics: Record<string, unknown> | undefined): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));

/**
 * Progress reports of the jobs running here: merged and written at most every 250 ms
 * (progress is for people, not an audit trail); metrics accumulate over a job's reports.
 */
export class JobProgress {
  private readonly jobStore: JobStore;
  private readonly logs: JobLogWriter;
  private readonly logger: Logger;
  private readonly workerId: string;
  private readonly pending = new Map<string, { timer?: NodeJS.Timeout; patch?: Partial<JobsTable> }>();
  /** Latest metrics per running job (progress reports merge into them). */
  private readonly lastMetrics = new Map<string, Record<string, number>>();

  constructor(deps: { jobStore: JobStore; logs: JobLogWriter; logger: Logger; workerId: string }) {
    this.jobStore = deps.jobStore;
    this.logs = deps.logs;
    this.logger = deps.logger;
    this.workerId = deps.workerId;
  }

  report(id: string, report: ProgressReport): void {
    const entry = this.pending.get(id) ?? {};
    const patch: Partial<JobsTable> = { ...(entry.patch ?? {}), updated_at: Date.now() };
    if (report.progress !== undefined && Number.isFinite(report.progress)) patch.progress = Math.min(1, Math.max(0, report.progress));
    if (report.message !== undefined) patch.message = report.message.slice(0, 1000);
    if (report.metrics) {
      const previous = entry.patch?.metrics ? fromJson<Record<string, number>>(entry.patch.metrics, {}) : (this.lastMetrics.get(id) ?? {});
      const merged = { ...previous, ...finiteMetrics(report.metrics) };
      this.lastMetrics.set(id, merged);
      patch.metrics = toJson(merged);
    }
    entry.patch = patch;
    entry.timer ??= setTimeout(() => void this.flush(id), 250);
    this.pending.set(id, entry);
  }

  /** Writes the job's pending report now. */
  async flush(id: string): Promise<void> {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.patch) {
      await this.jobStore.updateRunning(id, this.workerId, entry.patch).catch((error: unknown) => this.logger.warn({ err: error, jobId: id }, 'job progress not stored'));
      this.logs.events.emit('state', id);
    }
  }

  /** Drops the metrics kept for a job that has ended. */
  forget(id: string): void {
    this.lastMetrics.delete(id);
  }
}
