import type { Logger } from 'pino';
import type { ActionStatus } from '../actions/action-types.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { fromJson } from '../store/database.ts';
import type { JobLogWriter } from './job-logs.ts';
import type { JobStore } from './job-store.ts';
import type { JobState } from './job-types.ts';

/** The part of the action service the queue uses to make a retrain action follow its job. */
export interface ActionUpdater {
  updateDetails(id: string, patch: Record<string, unknown>, status?: ActionStatus): Promise<unknown>;
}

export interface JobOutcomesDeps {
  jobStore: JobStore;
  logs: JobLogWriter;
  audit: AuditLog;
  logger: Logger;
  actions: ActionUpdater;
  /** Drops what progress tracking keeps of a job that has ended. */
  progress: { forget(id: string): void };
}

const validationStatus = (result: string): string | undefined =>
  (fromJson<Record<string, unknown>>(result, {}).validation as { status?: string } | undefined)?.status;

/** What follows a job's state changes: its audit entry, live log streams, and its action. */
export class JobOutcomes {
  private readonly deps: JobOutcomesDeps;

  constructor(deps: JobOutcomesDeps) {
    this.deps = deps;
  }

  /** After a job ended: audit, wake live log streams, and make its action follow. */
  async settled(id: string, state: JobState, error: string | null, actor: Actor | string): Promise<void> {
    const { jobStore, logs, audit, logger } = this.deps;
    this.deps.progress.forget(id);
    logs.events.emit('state', id);
    const row = await jobStore.find(id);
    if (!row) return;
    try {
      const validation = validationStatus(row.result);
      await audit.record({
        type: `job.${state}`,
        status: state === 'succeeded' ? 'succeeded' : 'failed',
        model: row.model,
        actor,
        reason: row.reason,
        toVersion: row.produced_version,
        jobId: row.id,
        details: {
          type: row.type,
          runner: row.runner,
          attempts: Number(row.attempts),
          ...(error ? { error } : {}),
          ...(validation ? { validation } : {}),
          ...(row.action_id ? { actionId: row.action_id } : {}),
        },
      });
    } catch (auditError) {
      logger.error({ err: auditError, jobId: id }, 'auditing the end of a job failed');
    }
    await this.syncAction(id);
  }

  /**
   * Makes the job's action (retrain) show the job: details.jobState always, and the
   * action's status once the job has ended (succeeded → succeeded; failed or cancelled →
   * failed). Idempotent; safe to call from any replica at any time.
   */
  async syncAction(id: string): Promise<void> {
    const row = await this.deps.jobStore.find(id);
    if (!row?.action_id) return;
    const validation = validationStatus(row.result);
    const patch: Record<string, unknown> = {
      jobId: row.id,
      jobState: row.state,
      ...(row.produced_version ? { producedVersion: row.produced_version } : {}),
      ...(validation ? { validation } : {}),
      ...(row.error ? { error: row.error } : {}),
    };
    const status: ActionStatus | undefined = row.state === 'succeeded' ? 'succeeded' : row.state === 'failed' || row.state === 'cancelled' ? 'failed' : undefined;
    try {
      await this.deps.actions.updateDetails(row.action_id, patch, status);
    } catch (error) {
      this.deps.logger.warn({ err: error, jobId: id, actionId: row.action_id }, "updating the job's action failed");
    }
  }
}
