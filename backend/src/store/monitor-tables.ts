import type { Generated } from 'kysely';
/** The monitor's tables (migration range 0100), as Kysely sees them; see schema.ts. */
import type { RollupCounterColumn } from '../core/rollup-counters.ts';

export interface PredictionsTable {
  seq: Generated<number>;
  model: string;
  id: string;
  ts: number;
  version: string;
  arm: string;
  /** Declared numeric features as a binary vector (monitor/feature-codec.ts). */
  features: Uint8Array | null;
  /** JSON of the other feature keys (categorical, undeclared); null when none. */
  extra: string | null;
  score: number | null;
  latency_ms: number | null;
  /** null: no error; otherwise the error message ('true' for error: true). */
  error: string | null;
  /** The randomization unit (migration 0102); null when the producer sent none. */
  unit_id: Generated<string | null>;
  /** ingest_batches.batch of the ingest batch that wrote the row. */
  batch: number;
  received_at: number;
  /** Latest outcome state (null: never reported). */
  impression: number | null;
  click: number | null;
  conversion: number | null;
  label: number | null;
  outcome_at: number | null;
}

export interface OutcomesTable {
  seq: Generated<number>;
  model: string;
  /** The prediction's id. */
  id: string;
  ts: number;
  /** Where the deltas were counted: the prediction's version, arm and time. */
  version: string;
  arm: string;
  prediction_ts: number;
  /** The record's fields as sent (null: absent). */
  impression: number | null;
  click: number | null;
  conversion: number | null;
  label: number | null;
  /** What the record added to the rollup (new state − previous state). */
  d_impressions: number;
  d_clicks: number;
  d_conversions: number;
  d_labelled: number;
  d_positives: number;
  batch: number;
  received_at: number;
}

/** The counter columns (requests … latency_sum): core/rollup-counters.ts lists them. */
export interface RollupsTable extends Record<RollupCounterColumn, number> {
  seq: Generated<number>;
  model: string;
  version: string;
  arm: string;
  bucket_ms: number;
  bucket_start: number;
  /** Histogram layout id ('' when the rollup has no feature histograms). */
  layout: string;
  /** LatencySketch.toBytes(). */
  latency: Uint8Array | null;
  /** Varint counts (monitor/rollup-store.ts). */
  score_hist: Uint8Array | null;
  features: Uint8Array | null;
  /** Label histograms and label delay, varint counts (monitor/rollup.ts `quality`); migration 0104. */
  quality: Uint8Array | null;
  /** Per-feature count, Σx, Σx², invalid and rejected values (monitor/rollup.ts `featureStats`); migration 0105. */
  feature_stats: Uint8Array | null;
  updated_at: number;
}

export interface ReferenceProfilesTable {
  model: string;
  version: string;
  layout: string;
  source: string;
  rows: number;
  /** JSON ReferenceProfile. */
  profile: string;
  created_at: number;
  updated_at: number;
}

export interface IngestBatchesTable {
  batch: Generated<number>;
  model: string;
  /** predictions | outcomes */
  kind: string;
  min_seq: number | null;
  max_seq: number | null;
  min_ts: number | null;
  max_ts: number | null;
  records: number;
  created_at: number;
}

/** Batches whose contributions are not yet in `rollups`, by owning process. */
export interface MonitorPendingTable {
  batch: number;
  instance: string;
  created_at: number;
}

export interface FeatureLayoutsTable {
  model: string;
  layout_id: number;
  /** JSON array of the numeric feature names of the vector. */
  names: string;
  created_at: number;
}

export interface MonitorInstancesTable {
  instance: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
}


/** An outcome waiting for its prediction (monitor/outcome-parking.ts), as sent. */
export interface OutcomeParkingTable {
  seq: Generated<number>;
  model: string;
  /** The prediction's id. */
  id: string;
  ts: number;
  impression: number | null;
  click: number | null;
  conversion: number | null;
  label: number | null;
  received_at: number;
}

/** Per model: parked outcomes that expired unjoined. */
export interface OutcomeParkingTotalsTable {
  model: string;
  expired: number;
  updated_at: number;
}

/** Per-hash-bucket sums of the unit counters per (model, version, arm, block) (migration 0103, monitor/unit-store.ts). */
export interface UnitBucketsTable {
  seq: Generated<number>;
  model: string;
  version: string;
  arm: string;
  bucket_ms: number;
  bucket_start: number;
  /** monitor/unit-store.ts encodeSums. */
  sums: Uint8Array;
  updated_at: number;
}

/** One row per (model, version, arm, unit): first prediction ts, start of the last hour seen (migration 0103). */
export interface UnitExposuresTable {
  model: string;
  version: string;
  arm: string;
  unit_id: string;
  first_ts: number;
  last_hour: number;
}

/** Units first seen per (model, version, arm, hour / day) (migration 0103). */
export interface UnitArrivalsTable {
  model: string;
  bucket_ms: number;
  bucket_start: number;
  version: string;
  arm: string;
  units: number;
}
