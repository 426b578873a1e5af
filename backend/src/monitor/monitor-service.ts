/**
 * The monitoring engine (`ctx.monitor`): ingest → rollups → KPI, drift and health queries.
 * A facade: each method is one use case in its own file (ingest-predictions.ts, flush.ts,
 * query-drift.ts…) over the context they share (monitor-context.ts).
 */
import type { Actor } from '../auth/roles.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import type { TtlCache } from '../core/ttl-cache.ts';
import type { ProfileOptions } from '../stats/profile.ts';
import { exportLabelledRows, type LabelledRow } from './export-labelled-rows.ts';
import type { IngestOptions, IngestResult } from './ingest-batch.ts';
import { ingestOutcomes } from './ingest-outcomes.ts';
import { ingestPredictions, type PredictionIngestOptions } from './ingest-predictions.ts';
import { MonitorLifecycle } from './lifecycle.ts';
import { createSnapshotCache, type ExportSnapshot } from './metrics-export.ts';
import { metricsSnapshot } from './metrics-snapshot.ts';
import { createMonitorContext, type MonitorContext, type MonitorDeps, type MonitorOptions } from './monitor-context.ts';
import { parkingCounts, parkingStatus } from './outcome-parking.ts';
import type { ParkingCounts } from './parking-store.ts';
import { profileFromTraffic } from './profile-from-traffic.ts';
import type { ProfileSummary } from './profile-store.ts';
import { queryDataQuality, type DataQualityQuery, type DataQualityResult } from './query-data-quality.ts';
import { queryDrift, type DriftQuery, type DriftResult } from './query-drift.ts';
import { queryHealth, type ModelHealth } from './query-health.ts';
import { querySeries, type KpiQuery, type KpiResult } from './query-series.ts';
import { queryCalibration, type CalibrationQuery, type CalibrationResult } from './quality-calibration.ts';
import { queryScoreDrift, type ScoreDriftQuery, type ScoreDriftResult } from './query-score-drift.ts';
import { queryTotals, type RollupTotals, type TotalsQuery } from './query-totals.ts';
import { queryUnitTotals, type UnitTotals, type UnitTotalsQuery } from './query-units.ts';
import type { LabelSource, PredictionWindow } from './raw-record-store.ts';
import { profileFromRows, saveProfile } from './save-profile.ts';
import { trafficSample } from './traffic-sample.ts';

export class MonitorService {
  private readonly ctx: MonitorContext;
  private readonly lifecycle: MonitorLifecycle;
  private readonly snapshots: TtlCache<ExportSnapshot>;

  constructor(deps: MonitorDeps, options: MonitorOptions = {}) {
    this.ctx = createMonitorContext(deps, options);
    this.lifecycle = new MonitorLifecycle(this.ctx, options);
    this.snapshots = createSnapshotCache(deps.logger);
  }

  get instance(): string {
    return this.ctx.instance;
  }

  // lifecycle.ts (flush.ts, recover.ts)
  start(): Promise<void> {
    return this.lifecycle.start();
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }

  /** Test hook: stop without flushing, as if the process had been killed. */
  abandon(): void {
    this.lifecycle.abandon();
  }

  /** Replays dead processes' pending batches; returns how many records. */
  recover(flushAfter = true): Promise<number> {
    return this.lifecycle.recover(flushAfter);
  }

  flush(): Promise<void> {
    return this.lifecycle.flush();
  }

  /** Forgets cached model declarations (after settings changed in this process). */
  invalidateModel(model?: string): void {
    this.ctx.modelInfo.invalidate(model);
  }

  // ingest
  ingestPredictions(model: string, records: unknown[], opts?: PredictionIngestOptions): Promise<IngestResult> {
    return ingestPredictions(this.ctx, model, records, opts);
  }

  ingestOutcomes(model: string, records: unknown[], opts?: IngestOptions): Promise<IngestResult> {
    return ingestOutcomes(this.ctx, model, records, opts);
  }

  // parked outcomes (outcome-parking.ts)
  parking(model: string): Promise<ParkingCounts> {
    return parkingStatus(this.ctx, model);
  }

  parkingByModel(): Promise<Map<string, ParkingCounts>> {
    return parkingCounts(this.ctx);
  }

  // queries
  totals(model: string, q: TotalsQuery): Promise<RollupTotals[]> {
    return queryTotals(this.ctx, model, q);
  }

  /** Per-unit sums per (version, arm): experiments analysed by randomization unit. */
  unitTotals(model: string, q: UnitTotalsQuery): Promise<UnitTotals[]> {
    return queryUnitTotals(this.ctx, model, q);
  }

  series(model: string, q?: KpiQuery): Promise<KpiResult> {
    return querySeries(this.ctx, model, q);
  }

  /** Expected vs observed positive rate per score bin (quality-calibration.ts). */
  calibration(model: string, q?: CalibrationQuery): Promise<CalibrationResult> {
    return queryCalibration(this.ctx, model, q);
  }

  /** Prediction (score) drift against a reference range (query-score-drift.ts). */
  scoreDrift(model: string, q?: ScoreDriftQuery): Promise<ScoreDriftResult> {
    return queryScoreDrift(this.ctx, model, q);
  }

  /** Missing, out-of-range, unseen and type-error rates, mean shifts and freshness (query-data-quality.ts). */
  dataQuality(model: string, q?: DataQualityQuery): Promise<DataQualityResult> {
    return queryDataQuality(this.ctx, model, q);
  }

  drift(model: string, q?: DriftQuery): Promise<DriftResult> {
    return queryDrift(this.ctx, model, q);
  }

  health(model: string): Promise<ModelHealth> {
    return queryHealth(this.ctx, model);
  }

  // raw records
  exportLabelledRows(model: string, q: { from: number; to: number; label: LabelSource }): AsyncIterable<LabelledRow> {
    return exportLabelledRows(this.ctx, model, q);
  }

  trafficSample(model: string, q: PredictionWindow): Promise<{ rows: Record<string, unknown>[]; count: number }> {
    return trafficSample(this.ctx, model, q);
  }

  // profiles
  profileFromTraffic(model: string, version: string, q: { from: number; to: number; options?: ProfileOptions }, actor: Actor): Promise<ProfileSummary> {
    return profileFromTraffic(this.ctx, model, version, q, actor);
  }

  profileFromRows(model: string, version: string, rows: Record<string, unknown>[], options: ProfileOptions, actor: Actor): Promise<ProfileSummary> {
    return profileFromRows(this.ctx, model, version, rows, options, actor);
  }

  saveProfile(model: string, version: string, profile: ReferenceProfile, actor: Actor, details: Record<string, unknown>): Promise<ProfileSummary> {
    return saveProfile(this.ctx, model, version, profile, actor, details);
  }

  /** Snapshot for the gauges (metrics-export.ts), cached ttlMs, one computation at a time. */
  exportSnapshot(ttlMs: number): Promise<ExportSnapshot> {
    return this.snapshots.get(ttlMs, () => metricsSnapshot(this.ctx));
  }
}
