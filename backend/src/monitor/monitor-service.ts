/**
 * The monitoring engine (`ctx.monitor`): ingest → rollups → KPI, drift and health queries.
 *
 * Ingest: a batch is validated record by record (ingest-records.ts), written raw in one
 * transaction with a pending-batch row (ingest-store*.ts), and only then added to this
 * process's in-memory minute rollups (rollup-buffer.ts). The reply is sent after the
 * commit, so accepted records are durable; rollups are derived data.
 *
 * Which profile a prediction's features are binned over: its version's reference profile,
 * else the model's champion's profile, else none (no feature histograms; KPIs still
 * count). Any version string is accepted: a version need not be registered to be watched.
 *
 * Flush (every flushIntervalMs, and at close): every buffered rollup — open minutes
 * included — is added into its row in `rollups`, with the hour rollups, and the flushed
 * batches' pending rows are deleted, in one transaction. Late records and outcomes for
 * minutes already flushed simply add to those rows. At start (and every minute) batches
 * left pending by dead processes are adopted and replayed (ingest-journal.ts): `kill -9`
 * loses nothing that was acknowledged.
 *
 * Queries read rollups only — stored rows (hour rows where an hour lies inside one window)
 * plus this process's unflushed rollups — never raw records. Other replicas' unflushed
 * rollups become visible within a flush interval.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Actor } from '../auth/roles.ts';
import type { AuditLog } from '../audit/audit.ts';
import { DomainError, invalid } from '../core/errors.ts';
import type { ModelService } from '../models/model-service.ts';
import type { Feature } from '../models/model-schemas.ts';
import type { Store } from '../store/database.ts';
import { driftFromHistograms, type DriftMethod } from '../stats/drift/index.ts';
import { evaluateHealth, resolveHealthConfig, type HealthConfigInput, type HealthResult } from './health.ts';
import { FeatureEncoder } from './feature-codec.ts';
import { FeatureLayouts } from './feature-layouts.ts';
import { IngestJournal } from './ingest-journal.ts';
import {
  MAX_BATCH_RECORDS,
  validateOutcomes,
  validatePredictions,
  type PredictionRecord,
  type Rejection,
} from './ingest-records.ts';
import { KyselyIngestWriter, type IngestWriter, type OutcomeDelta } from './ingest-store.ts';
import { SqliteIngestWriter } from './ingest-store-sqlite.ts';
import { bucketize, KPI_NAMES, type KpiName, type KpiSeries } from './kpi.ts';
import type { LatencySketch } from './latency-sketch.ts';
import { EXPORT_LIMITS, emptySnapshot, type ExportSnapshot, type MonitorCounters } from './metrics-export.ts';
import { parseDuration } from '../core/duration.ts';
import { buildProfile, type ProfileOptions } from '../stats/profile.ts';
import type { ProfileStore, ProfileSummary } from './profile-store.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import {
  driftOfWindow,
  methodsForRange,
  planForWindows,
  planResolution,
  resolveRange,
  windowIndex,
  type DriftSettings,
  type ResolutionPlan,
  type WindowDrift,
} from './queries.ts';
import { ANY, HOUR_MS, MINUTE_MS, addPrediction, type Rollup, type RollupCounters } from './rollup.ts';
import { RollupBuffer } from './rollup-buffer.ts';
import { compileProfile, type HistogramLayout } from './rollup-layout.ts';
import { cloneRollup, coarsen, mergeInto } from './rollup-merge.ts';
import { addCountsInto, addRollupToStore, readRollupRows, rowToRollup, type RollupRow } from './rollup-store.ts';

export interface IngestResult {
  accepted: number;
  rejected: Rejection[];
}

/** Merged rollup counters of one (version, arm) over a time range. */
export interface RollupTotals extends RollupCounters {
  version: string;
  arm: string;
  /** ms; null without latencies. */
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  /** The merged sketch, for other quantiles. */
  latency: LatencySketch;
}

export interface TotalsQuery {
  from: number;
  to: number;
  version?: string | undefined;
  arm?: string | undefined;
}

export type KpiGrouping = 'version_arm' | 'version' | 'arm' | 'none';

export interface KpiQuery {
  from?: number | undefined;
  to?: number | undefined;
  step?: number | undefined;
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  kpis?: KpiName[] | undefined;
  by?: KpiGrouping | undefined;
}

export interface KpiResult {
  from: number;
  to: number;
  step: number;
  series: KpiSeries[];
}

export interface DriftQuery {
  from?: number | undefined;
  to?: number | undefined;
  step?: number | undefined;
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  features?: string[] | undefined;
  methods?: DriftMethod[] | undefined;
  /** 'minute' reads minute rollups only (benchmarks); default: hours where they fit. */
  resolution?: 'auto' | 'minute';
}

export interface VersionDrift {
  version: string;
  /** Whose profile the histograms were compared with (the version's own or the champion's). */
  profile: { version: string; source: string; rows: number; createdAt: string } | null;
  message?: string;
  windows: WindowDrift[];
}

export interface DriftResult {
  from: number;
  to: number;
  step: number;
  versions: VersionDrift[];
}

export interface ModelHealth extends HealthResult {
  /** Traffic judged: the champion version's, or all versions' when there is no champion. */
  scope: { version: string | null };
}

export interface LabelledRow {
  features: Record<string, unknown>;
  label: 0 | 1;
  ts: number;
  version: string;
}

export interface MonitorDeps {
  store: Store;
  models: ModelService;
  profiles: ProfileStore;
  audit: AuditLog;
  logger: Logger;
  counters?: MonitorCounters;
  /** The model's champion version (registry), if any. */
  championOf?: (model: string) => Promise<string | undefined>;
}

export interface MonitorOptions {
  flushIntervalMs?: number;
  /** A process whose heartbeat is older than this is dead (its batches get replayed). */
  staleInstanceMs?: number;
  /** How often a flush first looks for dead processes' batches (default 60 s). */
  adoptionIntervalMs?: number;
  /** 'kysely' forces the portable writer on SQLite too (benchmarks). */
  writer?: 'auto' | 'kysely';
  now?: () => number;
  modelCacheMs?: number;
}

interface ModelInfo {
  features: Feature[];
  settings: Record<string, unknown>;
  /** Stores the declared numeric features of raw predictions (feature-codec.ts). */
  encoder: FeatureEncoder;
  at: number;
}

/** Most predictions read to build a profile from a traffic window (evenly thinned beyond). */
export const MAX_PROFILE_ROWS = 200_000;

export class MonitorService {
  readonly instance = randomUUID();
  private readonly store: Store;
  private readonly deps: MonitorDeps;
  private readonly writer: IngestWriter;
  private readonly journal: IngestJournal;
  private readonly layouts: FeatureLayouts;
  private readonly buffer = new RollupBuffer();
  private readonly now: () => number;
  private readonly flushIntervalMs: number;
  private readonly adoptionIntervalMs: number;
  private readonly modelCacheMs: number;
  private readonly modelCache = new Map<string, ModelInfo>();
  /** Batches applied to the buffer, not yet flushed. */
  private applied: number[] = [];
  private currentFlush: Promise<void> | null = null;
  private flushChain: Promise<void> = Promise.resolve();
  private flushStarts = 0;
  private lastAdoption = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private snapshotCache: { at: number; value: Promise<ExportSnapshot> } | undefined;

  constructor(deps: MonitorDeps, options: MonitorOptions = {}) {
    this.store = deps.store;
    this.deps = deps;
    this.now = options.now ?? Date.now;
    this.flushIntervalMs = options.flushIntervalMs ?? 10_000;
    this.adoptionIntervalMs = options.adoptionIntervalMs ?? 60_000;
    this.modelCacheMs = options.modelCacheMs ?? 10_000;
    this.writer =
      deps.store.dialect === 'sqlite' && deps.store.sqlite && options.writer !== 'kysely'
        ? new SqliteIngestWriter(deps.store)
        : new KyselyIngestWriter(deps.store);
    this.layouts = new FeatureLayouts(deps.store);
    this.journal = new IngestJournal(deps.store, this.instance, options.staleInstanceMs ?? 60_000, this.layouts);
  }

  // ------------------------------------------------------------ lifecycle

  /** Registers this process, replays batches left by dead ones, starts the flush timer. */
  async start(): Promise<void> {
    await this.journal.register(Date.now());
    await this.recover();
    if (this.flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.flush().catch((error: unknown) => this.deps.logger.error({ err: error }, 'monitor flush failed; will retry'));
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Flushes everything and unregisters. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
    } catch (error) {
      // Raw records are durable: the next process replays what this flush could not write.
      this.deps.logger.error({ err: error }, 'monitor: final flush failed; the pending batches will be replayed at the next start');
    }
    await this.journal.unregister().catch(() => undefined);
  }

  /** Test hook: stop without flushing, as if the process had been killed. */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.journal.abandon();
  }

  /**
   * Replays the pending batches of dead processes into this one's rollups (and flushes
   * them, unless called from within a flush, which writes them next).
   */
  async recover(flushAfter = true): Promise<number> {
    // Infrastructure time (heartbeats, adoption) is wall time; data time is this.now().
    const wall = Date.now();
    this.lastAdoption = wall;
    const adopted = await this.journal.adoptOrphans(wall);
    let records = 0;
    for (const b of adopted) {
      if (b.kind === 'predictions') {
        const recs = await this.journal.predictionsOf(b);
        const profiles = await this.profilesFor(b.model, recs.map((r) => r.version));
        this.applyPredictions(b.model, recs, profiles);
        records += recs.length;
      } else {
        const deltas = await this.journal.outcomesOf(b);
        const profiles = await this.profilesFor(b.model, deltas.map((d) => d.version));
        this.applyOutcomeDeltas(b.model, deltas, profiles);
        records += deltas.length;
      }
      this.applied.push(b.batch);
    }
    if (adopted.length > 0) {
      this.deps.logger.info({ batches: adopted.length, records }, 'monitor: replayed batches left pending by a stopped process');
      if (flushAfter) await this.flush();
    }
    return records;
  }

  /** Adds every buffered rollup to the store (serialised: one flush at a time). */
  flush(): Promise<void> {
    const run = this.flushChain.then(() => this.flushOnce());
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<void> {
    const now = Date.now();
    if (!this.closed && now - this.lastAdoption >= this.adoptionIntervalMs) await this.recover(false);
    const rollups = this.buffer.drain();
    const batches = this.applied;
    this.applied = [];
    if (rollups.length === 0 && batches.length === 0) {
      await this.journal.heartbeat(this.store.db, now);
      return;
    }
    this.flushStarts++;
    const postgres = this.store.dialect === 'postgres';
    const done = (async () => {
      // One lock order for every process (PostgreSQL row locks): no deadlocks between replicas.
      const all = [...rollups, ...coarsenByLayout(rollups)].sort(storeOrder);
      await this.store.db.transaction().execute(async (trx) => {
        for (const r of all) await addRollupToStore(trx, postgres, r, now);
        await this.journal.deleteBatches(trx, batches);
        await this.journal.heartbeat(trx, now);
      });
    })();
    this.currentFlush = done;
    try {
      await done;
    } catch (error) {
      this.buffer.restore(rollups);
      this.applied = [...batches, ...this.applied];
      throw error;
    } finally {
      this.currentFlush = null;
    }
  }

  // ------------------------------------------------------------ ingest

  private async modelInfo(model: string): Promise<ModelInfo> {
    const hit = this.modelCache.get(model);
    const now = Date.now();
    if (hit && now - hit.at < this.modelCacheMs) return hit;
    const found = await this.deps.models.find(model);
    if (!found) throw new DomainError('not_found', `model "${model}" not found; create it with POST /api/v1/models`);
    const numeric = found.features.filter((f) => f.type === 'numeric').map((f) => f.name);
    const encoder = hit && hit.encoder.names.join('\u0000') === numeric.join('\u0000') ? hit.encoder : new FeatureEncoder(numeric);
    const info = { features: found.features, settings: found.settings, encoder, at: now };
    this.modelCache.set(model, info);
    return info;
  }

  /** Forgets cached model declarations (after settings changed in this process). */
  invalidateModel(model?: string): void {
    if (model === undefined) this.modelCache.clear();
    else this.modelCache.delete(model);
  }

  private async profilesFor(model: string, versions: Iterable<string>): Promise<Map<string, ReferenceProfile | undefined>> {
    const out = new Map<string, ReferenceProfile | undefined>();
    for (const v of versions) {
      if (out.has(v)) continue;
      out.set(v, (await this.deps.profiles.effective(model, v))?.profile);
    }
    return out;
  }

  private checkBatch(records: unknown): unknown[] {
    if (!Array.isArray(records)) throw invalid('records: expected an array of records');
    if (records.length > MAX_BATCH_RECORDS) {
      throw new DomainError(
        'payload_too_large',
        `records: ${records.length} records in one batch; send at most ${MAX_BATCH_RECORDS.toLocaleString('en-US')} per request`,
      );
    }
    return records;
  }

  async ingestPredictions(model: string, records: unknown[], opts: { source?: string; preRejected?: Rejection[] } = {}): Promise<IngestResult> {
    const list = this.checkBatch(records);
    const info = await this.modelInfo(model);
    const now = this.now();
    const skip = opts.preRejected?.length ? new Set(opts.preRejected.map((r) => r.index)) : undefined;
    const { valid, rejected } = validatePredictions(list, info.features, now, skip);
    if (opts.preRejected) rejected.push(...opts.preRejected);
    let accepted = 0;
    if (valid.length > 0) {
      const profiles = await this.profilesFor(model, valid.map((r) => r.version));
      await this.layouts.ensure(model, info.encoder);
      const { batch, duplicates } = await this.writer.writePredictions(model, this.instance, valid, now, info.encoder);
      const dup = new Set(duplicates);
      for (const i of duplicates) {
        const r = valid[i]!;
        rejected.push({ index: r.index, error: `id: prediction "${r.id}" was already ingested for model "${model}" (ids are unique per model)` });
      }
      const perVersion = this.applyPredictions(model, valid, profiles, dup);
      this.applied.push(batch);
      accepted = valid.length - duplicates.length;
      if (this.deps.counters) for (const [version, n] of perVersion) this.deps.counters.predictions.inc({ model, version }, n);
    }
    this.count(model, 'prediction', accepted, rejected.length);
    rejected.sort((a, b) => a.index - b.index);
    return { accepted, rejected };
  }

  async ingestOutcomes(model: string, records: unknown[], opts: { preRejected?: Rejection[] } = {}): Promise<IngestResult> {
    const list = this.checkBatch(records);
    await this.modelInfo(model);
    const now = this.now();
    const skip = opts.preRejected?.length ? new Set(opts.preRejected.map((r) => r.index)) : undefined;
    const { valid, rejected } = validateOutcomes(list, now, skip);
    if (opts.preRejected) rejected.push(...opts.preRejected);
    let accepted = 0;
    if (valid.length > 0) {
      const { batch, deltas } = await this.writer.writeOutcomes(model, this.instance, valid, now);
      deltas.forEach((d, i) => {
        if (d === null) {
          const o = valid[i]!;
          rejected.push({
            index: o.index,
            error: `id: no prediction "${o.id}" for model "${model}"; an outcome joins its prediction by id, so send the prediction first`,
          });
        } else accepted++;
      });
      const versions = deltas.flatMap((d) => (d ? [d.version] : []));
      const profiles = await this.profilesFor(model, versions);
      this.applyOutcomeDeltas(model, deltas, profiles);
      this.applied.push(batch);
    }
    this.count(model, 'outcome', accepted, rejected.length);
    rejected.sort((a, b) => a.index - b.index);
    return { accepted, rejected };
  }

  private count(model: string, kind: string, accepted: number, rejected: number): void {
    const c = this.deps.counters;
    if (!c) return;
    if (accepted > 0) c.ingested.inc({ model, kind }, accepted);
    if (rejected > 0) c.rejected.inc({ model, kind }, rejected);
  }

  /** Adds predictions to the buffer; returns accepted counts per version. */
  private applyPredictions(
    model: string,
    records: readonly PredictionRecord[],
    profiles: Map<string, ReferenceProfile | undefined>,
    skip?: ReadonlySet<number>,
  ): Map<string, number> {
    const perVersion = new Map<string, number>();
    let lastVersion = '';
    let lastProfile: ReferenceProfile | undefined;
    let n = 0;
    for (let i = 0; i < records.length; i++) {
      if (skip?.has(i)) continue;
      const rec = records[i]!;
      if (rec.version !== lastVersion) {
        if (n > 0) perVersion.set(lastVersion, (perVersion.get(lastVersion) ?? 0) + n);
        n = 0;
        lastVersion = rec.version;
        lastProfile = profiles.get(rec.version);
      }
      n++;
      const r = this.buffer.rollupFor(model, rec.version, rec.arm, rec.ts, lastProfile);
      addPrediction(r, rec, lastProfile);
    }
    if (n > 0) perVersion.set(lastVersion, (perVersion.get(lastVersion) ?? 0) + n);
    return perVersion;
  }

  private applyOutcomeDeltas(model: string, deltas: readonly (OutcomeDelta | null)[], profiles: Map<string, ReferenceProfile | undefined>): void {
    for (const d of deltas) {
      if (d === null) continue;
      if (d.impressions === 0 && d.clicks === 0 && d.conversions === 0 && d.labelled === 0 && d.positives === 0) continue;
      const r = this.buffer.rollupFor(model, d.version, d.arm, d.predictionTs, profiles.get(d.version));
      r.impressions += d.impressions;
      r.clicks += d.clicks;
      r.conversions += d.conversions;
      r.labelled += d.labelled;
      r.positives += d.positives;
    }
  }

  // ------------------------------------------------------------ reading rollups

  /**
   * Stored rows of a plan plus this process's unflushed rollups, consistently: no flush may
   * start between taking the buffer's rollups and reading the store (or a rollup would be
   * counted twice or not at all); if one did, read again.
   */
  private async collect(
    model: string,
    plan: ResolutionPlan,
    span: readonly [number, number],
    o: { versions?: readonly string[] | undefined; arms?: readonly string[] | undefined; latency?: boolean; layout?: HistogramLayout },
  ): Promise<{ rows: RollupRow[]; memory: Rollup[] }> {
    const common = {
      model,
      versions: o.versions,
      arms: o.arms,
      latency: o.latency ?? false,
      features: o.layout !== undefined,
      layouts: o.layout ? [o.layout.id] : undefined,
      histogramsOnly: o.layout !== undefined,
    };
    const versions = o.versions?.length ? new Set(o.versions) : undefined;
    const arms = o.arms?.length ? new Set(o.arms) : undefined;
    for (let attempt = 0; ; attempt++) {
      while (this.currentFlush) await this.currentFlush.catch(() => undefined);
      const starts = this.flushStarts;
      const memory: Rollup[] = [];
      for (const r of this.buffer.of(model, span[0], span[1])) {
        if (versions && !versions.has(r.version)) continue;
        if (arms && !arms.has(r.arm)) continue;
        if (o.layout && r.layout?.id !== o.layout.id) continue;
        memory.push(cloneRollup(r));
      }
      const [hours, minutes] = await Promise.all([
        plan.hours.length ? readRollupRows(this.store, { ...common, bucketMs: HOUR_MS, ranges: plan.hours }) : Promise.resolve([]),
        plan.minutes.length ? readRollupRows(this.store, { ...common, bucketMs: MINUTE_MS, ranges: plan.minutes }) : Promise.resolve([]),
      ]);
      if (this.flushStarts === starts || attempt >= 4) return { rows: [...hours, ...minutes], memory };
    }
  }

  /** Rollups (stored and unflushed) of a plan, as Rollup objects without histograms. */
  private async rollupsOf(
    model: string,
    plan: ResolutionPlan,
    span: readonly [number, number],
    o: { versions?: readonly string[] | undefined; arms?: readonly string[] | undefined; latency: boolean },
  ): Promise<Rollup[]> {
    const { rows, memory } = await this.collect(model, plan, span, o);
    const out = rows.map((row) => rowToRollup(model, row));
    for (const r of memory) {
      r.layout = null;
      r.features = [];
      out.push(r);
    }
    return out;
  }

  // ------------------------------------------------------------ queries

  /** Merged counters per (version, arm) over [from, to) (whole minutes). */
  async totals(model: string, q: TotalsQuery): Promise<RollupTotals[]> {
    await this.modelInfo(model);
    if (!(Number.isFinite(q.from) && Number.isFinite(q.to))) throw invalid('from and to must be epoch milliseconds');
    const from = Math.floor(q.from / MINUTE_MS) * MINUTE_MS;
    const to = Math.ceil(q.to / MINUTE_MS) * MINUTE_MS;
    if (!(from < to)) return [];
    const plan = planResolution(from, to, () => true);
    const rollups = await this.rollupsOf(model, plan, [from, to], {
      versions: q.version === undefined ? undefined : [q.version],
      arms: q.arm === undefined ? undefined : [q.arm],
      latency: true,
    });
    const groups = new Map<string, Rollup>();
    for (const r of rollups) {
      const k = `${r.version}\u0000${r.arm}`;
      const g = groups.get(k);
      if (g) mergeInto(g, r, { onLayoutMismatch: 'drop' });
      else groups.set(k, cloneRollup(r));
    }
    return [...groups.values()]
      .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0))
      .map((r) => ({
        version: r.version,
        arm: r.arm,
        requests: r.requests,
        errors: r.errors,
        impressions: r.impressions,
        clicks: r.clicks,
        conversions: r.conversions,
        labelled: r.labelled,
        positives: r.positives,
        scoreCount: r.scoreCount,
        scoreSum: r.scoreSum,
        scoreSumSq: r.scoreSumSq,
        latencyCount: r.latencyCount,
        latencySum: r.latencySum,
        latencyP50: r.latency.quantile(0.5),
        latencyP90: r.latency.quantile(0.9),
        latencyP99: r.latency.quantile(0.99),
        latency: r.latency,
      }));
  }

  /** KPI series per API.md. */
  async series(model: string, q: KpiQuery = {}): Promise<KpiResult> {
    await this.modelInfo(model);
    const range = resolveRange(q, this.now());
    const kpis = q.kpis?.length ? q.kpis : [...KPI_NAMES];
    const latency = kpis.some((k) => k.startsWith('latency_'));
    const rollups = await this.rollupsOf(model, planForWindows(range), [range.readFrom, range.readTo], {
      versions: q.versions,
      arms: q.arms,
      latency,
    });
    const by = q.by ?? 'version_arm';
    if (by !== 'version_arm') {
      for (const r of rollups) {
        if (by === 'version' || by === 'none') r.arm = ANY;
        if (by === 'arm' || by === 'none') r.version = ANY;
      }
    }
    const { series } = bucketize(rollups, range.from, range.to, range.step, { kpis });
    return { from: range.from, to: range.to, step: range.step, series };
  }

  private driftSettings(model: string, settings: Record<string, unknown>, methods?: DriftMethod[]): DriftSettings {
    const configured = (settings.drift ?? {}) as DriftSettings;
    if (typeof configured !== 'object' || configured === null || Array.isArray(configured)) {
      throw new DomainError('failed_precondition', `model "${model}" settings.drift must be an object`);
    }
    const out: DriftSettings = { ...configured };
    if (methods?.length) out.methods = methods;
    try {
      // Validates the settings (nothing to evaluate with no features).
      driftFromHistograms({ format: 1, source: 'rows', rows: 0, createdAt: '', features: [] }, {}, out);
    } catch (error) {
      if (error instanceof DomainError) {
        throw new DomainError('failed_precondition', `model "${model}" settings.drift: ${error.message}`);
      }
      throw error;
    }
    return out;
  }

  /** Drift per version and window against the version's (or the champion's) profile. */
  async drift(model: string, q: DriftQuery = {}): Promise<DriftResult> {
    const info = await this.modelInfo(model);
    const range = resolveRange(q, this.now(), { wholeRange: true });
    const settings = this.driftSettings(model, info.settings, q.methods);
    const versions = q.versions?.length ? q.versions : await this.versionsIn(model, range.readFrom, range.readTo);
    const out: VersionDrift[] = [];
    for (const version of versions) {
      const eff = await this.deps.profiles.effective(model, version);
      if (!eff) {
        out.push({
          version,
          profile: null,
          message: `no reference profile for version "${version}" (nor for a champion); create one with POST /api/v1/models/${model}/versions/${version}/profile`,
          windows: [],
        });
        continue;
      }
      out.push(await this.versionDrift(model, version, eff.profile, eff.version, range, settings, q));
    }
    return { from: range.from, to: range.to, step: range.step, versions: out };
  }

  private async versionDrift(
    model: string,
    version: string,
    profile: ReferenceProfile,
    profileVersion: string,
    range: ReturnType<typeof resolveRange>,
    settings: DriftSettings,
    q: DriftQuery,
  ): Promise<VersionDrift> {
    const layout = compileProfile(profile).layout;
    let selected = profile.features.map((_, i) => i);
    if (q.features?.length) {
      selected = q.features.map((name) => {
        const i = layout.names.indexOf(name);
        if (i < 0) throw invalid(`query.feature: "${name}" is not in the reference profile of version "${profileVersion}" (features: ${layout.names.join(', ')})`);
        return i;
      });
    }
    const plan: ResolutionPlan = q.resolution === 'minute' ? { hours: [], minutes: [[range.readFrom, range.readTo]] } : planForWindows(range);
    const { rows, memory } = await this.collect(model, plan, [range.readFrom, range.readTo], { versions: [version], arms: q.arms, layout });
    const n = range.starts.length;
    const sums: (Float64Array[] | undefined)[] = new Array(n).fill(undefined);
    const alloc = () => layout.sizes.map((size) => new Float64Array(size));
    for (const row of rows) {
      const w = windowIndex(range, Number(row.bucket_start));
      if (w < 0 || !row.features) continue;
      const target = (sums[w] ??= alloc());
      addCountsInto(row.features, target);
    }
    for (const r of memory) {
      const w = windowIndex(range, r.bucketStart);
      if (w < 0) continue;
      const target = (sums[w] ??= alloc());
      r.features.forEach((counts, i) => {
        const t = target[i]!;
        for (let k = 0; k < counts.length; k++) t[k] = t[k]! + counts[k]!;
      });
    }
    const totals = alloc();
    for (const s of sums) if (s) s.forEach((counts, i) => counts.forEach((c, k) => (totals[i]![k] = totals[i]![k]! + c)));
    const methodByFeature = methodsForRange(profile, totals);
    const empty = alloc();
    const windows: WindowDrift[] = range.starts.map((ts, w) => {
      const counts = sums[w] ?? empty;
      let count = 0;
      for (const c of counts[0] ?? []) count += c;
      const d = driftOfWindow(profile, counts, selected, settings, methodByFeature);
      return {
        ts,
        from: new Date(ts).toISOString(),
        to: new Date(ts + range.step).toISOString(),
        count,
        ...d,
      };
    });
    return {
      version,
      profile: { version: profileVersion, source: profile.source, rows: profile.rows, createdAt: profile.createdAt },
      windows,
    };
  }

  /** Versions with rollups in [from, to) (stored or unflushed), sorted. */
  private async versionsIn(model: string, from: number, to: number): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('rollups')
      .select('version')
      .distinct()
      .where('model', '=', model)
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .execute();
    const set = new Set(rows.map((r) => r.version));
    for (const r of this.buffer.of(model, from, to)) set.add(r.version);
    return [...set].sort();
  }

  /** Health per the model's rule (settings.health, else the default) on champion traffic. */
  async health(model: string): Promise<ModelHealth> {
    const info = await this.modelInfo(model);
    const input = (info.settings.health ?? {}) as HealthConfigInput;
    let config;
    try {
      config = resolveHealthConfig(input);
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError('failed_precondition', `model "${model}" settings.${error.message}`);
      throw error;
    }
    const now = this.now();
    const champion = await this.champion(model);
    const spanEnd = Math.floor((now - config.lagMs) / config.windowMs) * config.windowMs;
    const spanStart = spanEnd - config.sustainMs;
    const needsBaseline = config.ctr.enabled && config.ctr.baseline === null;
    const from = Math.floor((needsBaseline ? spanStart - config.ctr.baselineWindowMs : spanStart) / MINUTE_MS) * MINUTE_MS;
    const to = Math.ceil(spanEnd / MINUTE_MS) * MINUTE_MS;
    const plan = planResolution(from, to, (h) => h + HOUR_MS <= spanStart);
    const rollups = await this.rollupsOf(model, plan, [from, to], { versions: champion ? [champion] : undefined, latency: true });
    return { ...evaluateHealth(rollups, now, config), scope: { version: champion ?? null } };
  }

  private async champion(model: string): Promise<string | undefined> {
    if (!this.deps.championOf) return undefined;
    try {
      return await this.deps.championOf(model);
    } catch {
      return undefined;
    }
  }

  /**
   * Predictions joined with their outcomes in [from, to), oldest first, with a known label:
   * 'click' — predictions with an impression or a click (label: clicked); 'conversion' —
   * predictions clicked (label: converted); 'label' — predictions with a label.
   */
  async *exportLabelledRows(
    model: string,
    q: { from: number; to: number; label: 'click' | 'conversion' | 'label' },
  ): AsyncIterable<LabelledRow> {
    await this.modelInfo(model);
    if (!['click', 'conversion', 'label'].includes(q.label)) throw invalid(`label must be click, conversion or label, got ${String(q.label)}`);
    // Raw rows have no time index (ingest speed): the batches' time spans say where they are.
    // The range is read in time slices holding about SLICE_ROWS records each (by the batches'
    // counts, spread evenly over their spans), each slice sorted by (ts, seq): oldest first
    // overall, with bounded memory.
    const SLICE_ROWS = 50_000;
    const batches = (
      await this.store.db
        .selectFrom('ingest_batches')
        .select(['min_seq', 'max_seq', 'min_ts', 'max_ts', 'records'])
        .where('model', '=', model)
        .where('kind', '=', 'predictions')
        .where('max_ts', '>=', q.from)
        .where('min_ts', '<', q.to)
        .orderBy('min_ts')
        .execute()
    )
      .filter((b) => b.min_seq !== null && b.max_seq !== null)
      .map((b) => ({ minSeq: Number(b.min_seq), maxSeq: Number(b.max_seq), minTs: Number(b.min_ts), maxTs: Number(b.max_ts), records: Number(b.records) }));
    type Span = (typeof batches)[number];
    const estimate = (over: readonly Span[], a: number, b: number) =>
      over.reduce((sum, s) => sum + (s.records * Math.max(0, Math.min(b, s.maxTs + 1) - Math.max(a, s.minTs))) / (s.maxTs + 1 - s.minTs), 0);
    let next = 0;
    let active: Span[] = [];
    let t = q.from;
    while (t < q.to) {
      while (next < batches.length && batches[next]!.minTs < t + HOUR_MS) active.push(batches[next++]!);
      active = active.filter((s) => s.maxTs >= t);
      if (active.length === 0) {
        if (next >= batches.length) return;
        t = Math.max(t, batches[next]!.minTs);
        continue;
      }
      let end = Math.min(q.to, t + HOUR_MS);
      while (end - t > 1 && estimate(active, t, end) > SLICE_ROWS) end = t + Math.ceil((end - t) / 2);
      const over = active.filter((s) => s.minTs < end);
      const rows: { seq: number; ts: number; version: string; features: Uint8Array | null; extra: string | null; value: number | null }[] = [];
      for (const [first, last] of mergeRanges(over.map((s) => [s.minSeq, s.maxSeq] as [number, number]))) {
        let query = this.store.db
          .selectFrom('predictions')
          .select(['seq', 'ts', 'version', 'features', 'extra', 'impression', 'click', 'conversion', 'label'])
          .where('seq', '>=', first)
          .where('seq', '<=', last)
          .where('model', '=', model)
          .where('ts', '>=', t)
          .where('ts', '<', end);
        if (q.label === 'label') query = query.where('label', 'is not', null);
        else if (q.label === 'click') query = query.where((eb) => eb.or([eb('impression', '>', 0), eb('click', '>', 0)]));
        else query = query.where('click', '>', 0);
        for (const r of await query.execute()) {
          rows.push({
            seq: Number(r.seq),
            ts: Number(r.ts),
            version: r.version,
            features: r.features,
            extra: r.extra,
            value: q.label === 'label' ? r.label : q.label === 'click' ? r.click : r.conversion,
          });
        }
      }
      rows.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
      const features = await this.layouts.decode(model, rows);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        yield { features: features[i]!, label: (r.value ?? 0) > 0 ? 1 : 0, ts: r.ts, version: r.version };
      }
      t = end;
    }
  }

  /**
   * Disjoint, sorted row ranges holding a model's records with ts in [from, to): the union
   * of the row ranges of the batches whose time span meets the window (ingest_batches).
   */
  private async rowRanges(model: string, kind: 'predictions' | 'outcomes', from: number, to: number): Promise<[number, number][]> {
    const batches = await this.store.db
      .selectFrom('ingest_batches')
      .select(['min_seq', 'max_seq'])
      .where('model', '=', model)
      .where('kind', '=', kind)
      .where('max_ts', '>=', from)
      .where('min_ts', '<', to)
      .orderBy('min_seq')
      .execute();
    return mergeRanges(batches.flatMap((b) => (b.min_seq === null || b.max_seq === null ? [] : [[Number(b.min_seq), Number(b.max_seq)] as [number, number]])));
  }

  // ------------------------------------------------------------ profiles

  /** Builds a version's profile from its predictions in [from, to) and saves it. */
  async profileFromTraffic(
    model: string,
    version: string,
    q: { from: number; to: number; options?: ProfileOptions },
    actor: Actor,
  ): Promise<ProfileSummary> {
    const info = await this.modelInfo(model);
    if (!(q.from < q.to)) throw invalid('from must be before to');
    const { rows, count } = await this.trafficSample(model, { from: q.from, to: q.to, version });
    if (count === 0) {
      throw invalid(
        `no predictions of version "${version}" between ${new Date(q.from).toISOString()} and ${new Date(q.to).toISOString()}; pick a window with traffic`,
      );
    }
    const profile = buildProfile(rows, info.features, { ...q.options, source: 'traffic' });
    return this.saveProfile(model, version, profile, actor, { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), predictions: count });
  }

  /**
   * An evenly spaced sample (at most MAX_PROFILE_ROWS) of the feature rows of all predictions
   * in [from, to), of one version or of all. A retrained version's reference profile is made
   * from this — everything the model will be asked about — not from the labelled rows it
   * trained on, which only hold the items that were shown.
   */
  async trafficSample(model: string, q: { from: number; to: number; version?: string | undefined }): Promise<{ rows: Record<string, unknown>[]; count: number }> {
    const ranges = await this.rowRanges(model, 'predictions', q.from, q.to);
    const inRange = (first: number, last: number) => {
      let query = this.store.db
        .selectFrom('predictions')
        .where('seq', '>=', first)
        .where('seq', '<=', last)
        .where('model', '=', model)
        .where('ts', '>=', q.from)
        .where('ts', '<', q.to);
      if (q.version !== undefined) query = query.where('version', '=', q.version);
      return query;
    };
    let count = 0;
    for (const [first, last] of ranges) {
      const { n } = await inRange(first, last).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      count += Number(n);
    }
    const stride = Math.max(1, Math.ceil(count / MAX_PROFILE_ROWS));
    const rows: Record<string, unknown>[] = [];
    for (const [first, last] of ranges) {
      let query = inRange(first, last).select(['features', 'extra']);
      if (stride > 1) query = query.where(sql<boolean>`seq % ${stride} = 0`);
      for (const row of await this.layouts.decode(model, await query.orderBy('seq').execute())) rows.push(row);
    }
    return { rows, count };
  }


  /** Builds a profile from reference rows and saves it. */
  async profileFromRows(model: string, version: string, rows: Record<string, unknown>[], options: ProfileOptions, actor: Actor): Promise<ProfileSummary> {
    const info = await this.modelInfo(model);
    return this.saveProfile(model, version, buildProfile(rows, info.features, { ...options, source: 'rows' }), actor, {});
  }

  /** Saves a profile (validated by the store) with an audit record. */
  async saveProfile(model: string, version: string, profile: ReferenceProfile, actor: Actor, details: Record<string, unknown>): Promise<ProfileSummary> {
    await this.modelInfo(model);
    await this.deps.profiles.save(model, version, profile);
    await this.deps.audit.record({
      type: 'profile.saved',
      model,
      actor,
      toVersion: version,
      details: { source: profile.source, rows: profile.rows, features: profile.features.length, ...details },
    });
    const summary = (await this.deps.profiles.list(model)).find((p) => p.version === version);
    if (!summary) throw new Error('profile vanished after save');
    return summary;
  }

  // ------------------------------------------------------------ Prometheus export

  /** Snapshot for the gauges (metrics-export.ts), cached SNAPSHOT_TTL_MS, one computation at a time. */
  exportSnapshot(ttlMs: number): Promise<ExportSnapshot> {
    const now = Date.now();
    if (this.snapshotCache && now - this.snapshotCache.at < ttlMs) {
      return this.snapshotCache.value as Promise<ExportSnapshot>;
    }
    const value = this.computeSnapshot().catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'monitor: metrics snapshot failed');
      this.snapshotCache = undefined;
      return emptySnapshot();
    });
    this.snapshotCache = { at: now, value };
    return value;
  }

  private async computeSnapshot(): Promise<ExportSnapshot> {
    const s = emptySnapshot();
    const now = this.now();
    const end = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const models = (await this.deps.models.list()).slice(0, EXPORT_LIMITS.models);
    for (const m of models) {
      // KPIs over the last complete 5 minutes, per (version, arm).
      const totals = await this.totals(m.name, { from: end - 5 * MINUTE_MS, to: end });
      const perVersion = new Map<string, number>();
      for (const t of totals) {
        const arms = perVersion.get(t.version) ?? 0;
        if (arms >= EXPORT_LIMITS.armsPerVersion) continue;
        perVersion.set(t.version, arms + 1);
        const labels = { model: m.name, version: t.version, arm: t.arm };
        if (t.impressions > 0) s.kpis.push({ ...labels, kpi: 'ctr', value: t.clicks / t.impressions });
        if (t.clicks > 0) s.kpis.push({ ...labels, kpi: 'cvr', value: t.conversions / t.clicks });
        if (t.requests > 0) s.kpis.push({ ...labels, kpi: 'error_rate', value: t.errors / t.requests });
        s.kpis.push({ ...labels, kpi: 'requests_per_second', value: t.requests / 300 });
        for (const [quantile, v] of [['0.5', t.latencyP50], ['0.9', t.latencyP90], ['0.99', t.latencyP99]] as const) {
          if (v !== null) s.latency.push({ ...labels, quantile, seconds: v / 1000 });
        }
      }
      // Drift over the last hour (settings.metrics.driftWindow), for the versions with the most traffic.
      try {
        const driftWindow = exportDriftWindowMs(m.settings);
        const hourTotals = await this.totals(m.name, { from: end - driftWindow, to: end });
        const byVersion = new Map<string, number>();
        for (const t of hourTotals) byVersion.set(t.version, (byVersion.get(t.version) ?? 0) + t.requests);
        const versions = [...byVersion]
          .filter(([, n]) => n > 0)
          .sort((a, b) => b[1] - a[1])
          .slice(0, EXPORT_LIMITS.versionsPerModel)
          .map(([v]) => v);
        if (versions.length > 0) {
          const drift = await this.drift(m.name, { from: end - driftWindow, to: end, versions });
          for (const v of drift.versions) {
            const w = v.windows[0];
            if (!w) continue;
            const features = new Set<string>();
            for (const f of w.features) {
              if (f.insufficientData) continue;
              if (!features.has(f.feature) && features.size >= EXPORT_LIMITS.featuresPerVersion) continue;
              features.add(f.feature);
              s.featureDrift.push({ model: m.name, version: v.version, feature: f.feature, method: f.method, score: f.score, pValue: f.pValue ?? null });
            }
            for (const f of features) s.featureDrifted.push({ model: m.name, version: v.version, feature: f, drifted: w.driftedFeatures.includes(f) });
            s.datasetDrift.push({ model: m.name, version: v.version, share: w.driftShare, drifted: w.datasetDrifted });
          }
        }
      } catch (error) {
        this.deps.logger.warn({ err: error, model: m.name }, 'monitor: drift export skipped');
      }
      try {
        const h = await this.health(m.name);
        s.health.push({ model: m.name, score: h.score, status: h.status });
        const ctr = h.checks.find((c) => c.kpi === 'ctr');
        if (ctr && typeof ctr.baseline === 'number') {
          s.baselines.push({
            model: m.name,
            kpi: 'ctr',
            baseline: ctr.baseline,
            relativeChange: ctr.value !== null && ctr.baseline > 0 ? ctr.value / ctr.baseline - 1 : null,
          });
        }
      } catch (error) {
        this.deps.logger.warn({ err: error, model: m.name }, 'monitor: health export skipped');
      }
    }
    return s;
  }
}

/** Union of closed integer ranges, as sorted disjoint ranges. */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, z] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], z);
    else out.push([a, z]);
  }
  return out;
}

/** The order of the rollups table's unique key. */
function storeOrder(a: Rollup, b: Rollup): number {
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    c(a.model, b.model) ||
    a.bucketMs - b.bucketMs ||
    a.bucketStart - b.bucketStart ||
    c(a.version, b.version) ||
    c(a.arm, b.arm) ||
    c(a.layout?.id ?? '', b.layout?.id ?? '')
  );
}

/** Hour rollups of minute rollups, per histogram layout (layouts never mix). */
function coarsenByLayout(rollups: readonly Rollup[]): Rollup[] {
  const byLayout = new Map<string, Rollup[]>();
  for (const r of rollups) {
    const k = r.layout?.id ?? '';
    let list = byLayout.get(k);
    if (!list) byLayout.set(k, (list = []));
    list.push(r);
  }
  const out: Rollup[] = [];
  for (const list of byLayout.values()) out.push(...coarsen(list, HOUR_MS));
  return out;
}

/** The window the exported drift gauges cover: the model's `settings.metrics.driftWindow`, default 1 h. */
function exportDriftWindowMs(settings: Record<string, unknown>): number {
  const metrics = settings.metrics as { driftWindow?: unknown } | undefined;
  const ms = parseDuration(metrics?.driftWindow);
  return ms !== undefined && ms >= MINUTE_MS ? Math.round(ms / MINUTE_MS) * MINUTE_MS : HOUR_MS;
}
