/**
 * What the monitor's use cases share: the store modules, this process's unflushed rollups,
 * the caches, and the ports to other areas. MonitorService builds one per monitor.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_INGEST_MAX_AGE_MS, DEFAULT_MAX_UNREGISTERED_KEYS, DEFAULT_OUTCOME_PARKING_WINDOW_MS } from '../core/config.ts';
import type { Store } from '../store/database.ts';
import { SeriesKeys, type ConfiguredKeys } from './cardinality.ts';
import { ClosedBuckets } from './closed-buckets.ts';
import { FeatureLayouts } from './feature-layouts.ts';
import { IngestJournal } from './ingest-journal.ts';
import { KyselyIngestWriter, type IngestWriter } from './ingest-store.ts';
import { SqliteIngestWriter } from './ingest-store-sqlite.ts';
import type { MonitorCounters } from './metrics-export.ts';
import { ModelInfoCache } from './model-info.ts';
import type { ChampionLookup, ModelCatalog, ProfileAudit } from './ports.ts';
import { ParkingStore } from './parking-store.ts';
import type { ProfileStore } from './profile-store.ts';
import type { Rollup } from './rollup.ts';
import { Unflushed } from './unflushed.ts';

export interface MonitorDeps {
  store: Store;
  models: ModelCatalog;
  profiles: ProfileStore;
  audit: ProfileAudit;
  logger: Logger;
  counters: MonitorCounters;
  champions: ChampionLookup;
  /** The model's registered versions and experiment arms: the keys rollups are kept by (cardinality.ts). */
  configuredKeys: ConfiguredKeys;
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
  /** How long a parked outcome waits for its prediction (default 24 h; MODELWATCH_OUTCOME_PARKING_WINDOW). */
  parkingWindowMs?: number;
  /** Unregistered (version, arm) keys per model kept as sent (default 100; MODELWATCH_MAX_UNREGISTERED_KEYS). */
  maxUnregisteredKeys?: number;
  /** Predictions older than this are rejected (default 30 days; MODELWATCH_INGEST_MAX_AGE). */
  ingestMaxAgeMs?: number;
  /** Minute rollups older than this are deleted (MODELWATCH_RETENTION_MINUTE_ROLLUPS; default: kept for ever). */
  minuteRollupsKeptMs?: number;
  /** How long (wall time) drift and health reuse the stored rows of closed buckets (closed-buckets.ts); 0, the default: always read everything. */
  closedBucketsTtlMs?: number;
}

/** Closed buckets' stored sums, per query (closed-buckets.ts). */
export interface ClosedBucketCaches {
  /** Summed feature histograms of a (version, arms, layout) per bucket; null: none. */
  drift: ClosedBuckets<Float64Array[] | null>;
  /** The bucket's rollups (no histograms), as health reads them. */
  health: ClosedBuckets<Rollup[]>;
}

export interface MonitorContext {
  /** This process's id in `monitor_instances` and `monitor_pending`. */
  readonly instance: string;
  readonly store: Store;
  readonly writer: IngestWriter;
  readonly journal: IngestJournal;
  readonly layouts: FeatureLayouts;
  readonly unflushed: Unflushed;
  /** Outcomes waiting for their predictions (outcome-parking.ts). */
  readonly parking: ParkingStore;
  readonly parkingWindowMs: number;
  readonly models: ModelCatalog;
  readonly modelInfo: ModelInfoCache;
  readonly profiles: ProfileStore;
  readonly audit: ProfileAudit;
  readonly logger: Logger;
  readonly counters: MonitorCounters;
  readonly champions: ChampionLookup;
  /** Which (version, arm) key each prediction is counted under (cardinality.ts). */
  readonly keys: SeriesKeys;
  readonly ingestMaxAgeMs: number;
  /** How long minute rollups are kept; reads before that take hour rows (retention-reads.ts). */
  readonly minuteRollupsKeptMs: number;
  readonly closedBuckets: ClosedBucketCaches;
  /** Data time (the service clock); heartbeats and adoption use the wall clock. */
  readonly now: () => number;
}

export function createMonitorContext(deps: MonitorDeps, options: MonitorOptions): MonitorContext {
  const instance = randomUUID();
  const layouts = new FeatureLayouts(deps.store);
  const ingestMaxAgeMs = options.ingestMaxAgeMs ?? DEFAULT_INGEST_MAX_AGE_MS;
  const unflushed = new Unflushed();
  const ttl = options.closedBucketsTtlMs ?? 0;
  const closedBuckets: ClosedBucketCaches = {
    drift: new ClosedBuckets<Float64Array[] | null>(ttl, (v) => (v ? v.reduce((n, a) => n + a.length, 0) : 0)),
    // A rollup's counters and sketch: about 64 numbers.
    health: new ClosedBuckets<Rollup[]>(ttl, (v) => v.length * 64),
  };
  unflushed.onFlushStart((rollups) => {
    closedBuckets.drift.flushing(rollups);
    closedBuckets.health.flushing(rollups);
  });
  return {
    instance,
    store: deps.store,
    writer:
      deps.store.dialect === 'sqlite' && deps.store.sqlite && options.writer !== 'kysely'
        ? new SqliteIngestWriter(deps.store)
        : new KyselyIngestWriter(deps.store),
    journal: new IngestJournal(deps.store, instance, options.staleInstanceMs ?? 60_000, layouts),
    layouts,
    unflushed,
    parking: new ParkingStore(deps.store),
    parkingWindowMs: options.parkingWindowMs ?? DEFAULT_OUTCOME_PARKING_WINDOW_MS,
    models: deps.models,
    modelInfo: new ModelInfoCache(deps.models, options.modelCacheMs ?? 10_000),
    profiles: deps.profiles,
    audit: deps.audit,
    logger: deps.logger,
    counters: deps.counters,
    champions: deps.champions,
    keys: new SeriesKeys(deps.store, deps.configuredKeys, {
      maxUnregisteredKeys: options.maxUnregisteredKeys ?? DEFAULT_MAX_UNREGISTERED_KEYS,
      windowMs: ingestMaxAgeMs,
    }),
    ingestMaxAgeMs,
    minuteRollupsKeptMs: options.minuteRollupsKeptMs ?? Number.POSITIVE_INFINITY,
    closedBuckets,
    now: options.now ?? Date.now,
  };
}
