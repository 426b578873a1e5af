/**
 * Retention (issue 20; docs/operations.md#retention): every MODELWATCH_RETENTION_INTERVAL one
 * replica (the `retention` lease, store/leases.ts) deletes raw predictions and outcomes older than
 * MODELWATCH_RETENTION_RAW and minute rollups and minute unit buckets older than
 * MODELWATCH_RETENTION_MINUTE_ROLLUPS (their hour rows stay; retention-reads.ts says how
 * queries read that time), in short statements (retention-store.ts). Every replica then
 * refreshes the store's row counts and size (retention-stats.ts) that /metrics exports.
 * Parked outcomes expire on their own window (outcome-parking.ts).
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import { minutesDeletableBefore } from './retention-reads.ts';
import { readStoreStats, type StoreStats } from './retention-stats.ts';
import { compactMinutes, expireRawRecords, noneDeleted, retentionModels, type DeletedRows, type RetentionTable } from './retention-store.ts';

export interface RetentionSettings {
  /** Raw records older than this are deleted (Infinity: never). */
  rawMs: number;
  /** Minute rows older than this are deleted (Infinity: never). */
  minuteRollupsMs: number;
  /** How often a pass runs (0: only when runOnce is called). */
  intervalMs: number;
}

export interface RetentionDeps {
  store: Store;
  /** Exactly one replica's pass at a time (the `retention` lease). */
  leases: Leases;
  logger: Logger;
  prometheus: Registry;
  /** The service clock (data time: the cutoffs compare with record times). */
  now: () => number;
  /**
   * How far back a model's retrains read raw rows (its `settings.retrain.window`, jobs/retrain-settings.ts);
   * its raw rows are kept at least that long, even when MODELWATCH_RETENTION_RAW was lowered after the model was saved.
   */
  retrainWindowMs: (settings: Record<string, unknown>) => number;
}

export interface RetentionRun {
  /** Whether this replica ran the deletes (false: another held the lease). */
  ran: boolean;
  deleted: DeletedRows;
}

export class Retention {
  private readonly deps: RetentionDeps;
  private readonly settings: RetentionSettings;
  private readonly deletedTotal: Counter<'table'>;
  private readonly lastRun: Gauge;
  private readonly lastDuration: Gauge;
  private stats: StoreStats | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<RetentionRun> | undefined;

  constructor(deps: RetentionDeps, settings: RetentionSettings) {
    this.deps = deps;
    this.settings = settings;
    const registers = [deps.prometheus];
    this.deletedTotal = new Counter({ name: 'modelwatch_retention_deleted_rows_total', help: 'Rows deleted by retention passes this replica ran', labelNames: ['table'], registers });
    this.lastRun = new Gauge({ name: 'modelwatch_retention_last_run_timestamp_seconds', help: 'When the last retention pass this replica ran finished (service clock)', registers });
    this.lastDuration = new Gauge({ name: 'modelwatch_retention_last_run_duration_seconds', help: 'How long the last retention pass this replica ran took', registers });
    const stats = () => this.stats;
    new Gauge({
      name: 'modelwatch_store_rows',
      help: 'Rows per table (SQLite: exact; PostgreSQL: the planner estimate), refreshed every retention interval',
      labelNames: ['table'],
      registers,
      collect() {
        const s = stats();
        this.reset();
        if (s) for (const [table, n] of s.rows) this.set({ table }, n);
      },
    });
    new Gauge({
      name: 'modelwatch_store_size_bytes',
      help: 'Database size (SQLite: page_count × page_size; PostgreSQL: pg_database_size), refreshed every retention interval',
      registers,
      collect() {
        const s = stats();
        if (s) this.set(s.bytes);
      },
    });
  }

  /** Runs a pass now and then every interval (timers unref'd: they never keep the process up). */
  start(): void {
    if (this.settings.intervalMs <= 0 || this.timer) return;
    const tick = () => {
      void this.runOnce().catch((error: unknown) => this.deps.logger.error({ err: error }, 'retention: pass failed; retried at the next interval'));
    };
    this.timer = setInterval(tick, this.settings.intervalMs);
    this.timer.unref();
    tick();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => {});
  }

  /** One pass (when this replica gets the lease), then the stats refresh; concurrent callers share it. */
  runOnce(): Promise<RetentionRun> {
    this.current ??= this.pass().finally(() => (this.current = undefined));
    return this.current;
  }

  private async pass(): Promise<RetentionRun> {
    const deleted = noneDeleted();
    const started = performance.now();
    const ran = await this.deps.leases.run('retention', (signal) => this.deleteExpired(deleted, signal));
    if (ran) {
      for (const [table, n] of Object.entries(deleted) as [RetentionTable, number][]) this.deletedTotal.inc({ table }, n);
      this.lastRun.set(this.deps.now() / 1000);
      this.lastDuration.set((performance.now() - started) / 1000);
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) this.deps.logger.info({ deleted }, 'retention: expired rows deleted');
    }
    this.stats = await readStoreStats(this.deps.store);
    return { ran, deleted };
  }

  /** A lost lease stops the pass between models (the next holder's pass does the rest). */
  private async deleteExpired(deleted: DeletedRows, signal: AbortSignal): Promise<void> {
    const { store } = this.deps;
    const now = this.deps.now();
    const { rawMs, minuteRollupsMs } = this.settings;
    if (!Number.isFinite(rawMs) && !Number.isFinite(minuteRollupsMs)) return;
    for (const { name, settings } of await retentionModels(store)) {
      signal.throwIfAborted();
      if (Number.isFinite(rawMs)) await expireRawRecords(store, name, now - Math.max(rawMs, this.deps.retrainWindowMs(settings)), deleted);
      if (Number.isFinite(minuteRollupsMs)) await compactMinutes(store, name, minutesDeletableBefore(now, minuteRollupsMs), deleted);
    }
  }
}
