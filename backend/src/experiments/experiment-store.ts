/** Rows of `experiments` ↔ Experiment objects; no business rules here. */
import type { Direction } from '../stats/abtest/bayesian.ts';
import type { Difference } from '../stats/abtest/effect.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { ExperimentsTable } from '../store/schema.ts';
import type { Allocation } from '../serving/assignment.ts';

export type ExperimentStatus = 'running' | 'stopped';
export type StopDecision = 'promote' | 'rollback' | 'none';

export interface ExperimentArm {
  name: string;
  version: string;
  /** Normalised: the arms' weights sum to 1. */
  weight: number;
}

export interface GuardrailSpec {
  metric: string;
  /** Default: the metric's own direction. */
  direction: Direction;
  /** Largest tolerated degradation, in `difference` units (a fraction for relative). */
  margin: number;
  difference: Difference;
}

export interface ExperimentSettings {
  guardrails: GuardrailSpec[];
  /** Reported metrics besides the primary and the guardrails. */
  metrics: string[];
  sequential: boolean;
  /** N* of the confidence sequence (sequential only). */
  tuning: number;
  alpha: number;
  /** Sequential: minimum sample before any decision; fixed horizon: the planned sample. */
  minSampleSize: number;
  maxSampleSize: number | null;
  /** Effect worth detecting on the primary (its effect units), for the time to decision. */
  minimumEffect: number | null;
  /** Act on promote/rollback recommendations in evaluateRunning(). */
  autoDecide: boolean;
}

/** One split the experiment ran with, from `at` until the next entry (or the stop). */
export interface WeightPeriod {
  at: number;
  weights: number[];
}

export interface Experiment {
  id: string;
  model: string;
  status: ExperimentStatus;
  primaryMetric: string;
  arms: ExperimentArm[];
  allocation: Allocation;
  salt: string;
  settings: ExperimentSettings;
  weightHistory: WeightPeriod[];
  description: string | null;
  createdBy: string;
  startedAt: number;
  stoppedAt: number | null;
  stoppedBy: string | null;
  decision: StopDecision | null;
  stopReason: string | null;
  updatedAt: number;
}

export function toRow(e: Experiment, createdAt: number): ExperimentsTable {
  return {
    id: e.id,
    model: e.model,
    status: e.status,
    primary_metric: e.primaryMetric,
    arms: toJson(e.arms),
    allocation: toJson(e.allocation),
    salt: e.salt,
    settings: toJson(e.settings),
    weight_history: toJson(e.weightHistory),
    description: e.description,
    created_by: e.createdBy,
    started_at: e.startedAt,
    stopped_at: e.stoppedAt,
    stopped_by: e.stoppedBy,
    decision: e.decision,
    stop_reason: e.stopReason,
    final_results: null,
    created_at: createdAt,
    updated_at: e.updatedAt,
  };
}

export function fromRow(row: ExperimentsTable): Experiment {
  return {
    id: row.id,
    model: row.model,
    status: row.status as ExperimentStatus,
    primaryMetric: row.primary_metric,
    arms: fromJson(row.arms, []),
    allocation: fromJson(row.allocation, { arms: [] }),
    salt: row.salt,
    settings: fromJson(row.settings, {} as ExperimentSettings),
    weightHistory: fromJson(row.weight_history, []),
    description: row.description,
    createdBy: row.created_by,
    startedAt: Number(row.started_at),
    stoppedAt: row.stopped_at === null ? null : Number(row.stopped_at),
    stoppedBy: row.stopped_by,
    decision: row.decision as StopDecision | null,
    stopReason: row.stop_reason,
    updatedAt: Number(row.updated_at),
  };
}

export interface ExperimentQuery {
  model?: string | undefined;
  status?: ExperimentStatus | undefined;
  limit?: number | undefined;
}

export class ExperimentStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async insert(e: Experiment, createdAt: number): Promise<void> {
    await this.store.db.insertInto('experiments').values(toRow(e, createdAt)).execute();
  }

  async find(id: string): Promise<Experiment | undefined> {
    const row = await this.store.db.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async finalResults(id: string): Promise<unknown> {
    const row = await this.store.db.selectFrom('experiments').select('final_results').where('id', '=', id).executeTakeFirst();
    return fromJson(row?.final_results, null);
  }

  async list(q: ExperimentQuery = {}): Promise<Experiment[]> {
    let query = this.store.db.selectFrom('experiments').selectAll();
    if (q.model) query = query.where('model', '=', q.model);
    if (q.status) query = query.where('status', '=', q.status);
    const rows = await query.orderBy('started_at', 'desc').orderBy('id').limit(q.limit ?? 1000).execute();
    return rows.map(fromRow);
  }

  async running(): Promise<Experiment[]> {
    return this.list({ status: 'running', limit: 100_000 });
  }

  /** Saves a new split of a running experiment; false when it is no longer running. */
  async saveAllocation(e: Experiment): Promise<boolean> {
    const result = await this.store.db
      .updateTable('experiments')
      .set({ arms: toJson(e.arms), allocation: toJson(e.allocation), weight_history: toJson(e.weightHistory), updated_at: e.updatedAt })
      .where('id', '=', e.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Marks a running experiment stopped; false when it was not running any more. */
  async markStopped(e: Experiment, finalResults: unknown): Promise<boolean> {
    const result = await this.store.db
      .updateTable('experiments')
      .set({
        status: 'stopped',
        stopped_at: e.stoppedAt,
        stopped_by: e.stoppedBy,
        decision: e.decision,
        stop_reason: e.stopReason,
        final_results: finalResults === undefined ? null : toJson(finalResults),
        updated_at: e.updatedAt,
      })
      .where('id', '=', e.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
