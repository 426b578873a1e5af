/**
 * Rollups in the store (table `rollups`): one row per (model, version, arm, bucket width,
 * bucket start, histogram layout). Flushing adds a rollup into its row (read, add, write —
 * under a row lock on PostgreSQL), so late records, replays and several processes all add
 * up; the row is always the sum of everything counted for its key.
 *
 * Histograms are stored as compact varint blobs (count-blobs.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import { countersFromColumns, countersToColumns, ROLLUP_COUNTER_COLUMNS, type RollupCounterColumn } from '../core/rollup-counters.ts';
import { addCountsInto, encodeCounts } from './count-blobs.ts';
import { LatencySketch } from './latency-sketch.ts';
import { FEATURE_STATS_WIDTH, HOUR_MS, MINUTE_MS, QUALITY_LENGTH, SCORE_BINS, type Rollup } from './rollup.ts';
import type { HistogramLayout } from './rollup-layout.ts';
import type { Database, RollupsTable } from '../store/schema.ts';
import type { Store } from '../store/database.ts';

// ---------------------------------------------------------------- rows ⇄ rollups

/** A stored row as read for queries (blobs only when asked for; histogramsOnly: bucket_start and features only). */
export interface RollupRow extends Pick<RollupsTable, RollupCounterColumn> {
  version: string;
  arm: string;
  bucket_ms: number;
  bucket_start: number;
  layout: string;
  latency?: Uint8Array | null;
  score_hist?: Uint8Array | null;
  features?: Uint8Array | null;
  quality?: Uint8Array | null;
  feature_stats?: Uint8Array | null;
}

/** Shared by rows read without their sketch / label histograms: nothing ever merges INTO them (rollup-merge.ts clones first). */
const EMPTY_SKETCH = new LatencySketch();
const EMPTY_QUALITY = new Float64Array(QUALITY_LENGTH);
/** Length 0: rollups without histograms have no feature stats (attachLayout allocates them). */
const NO_STATS = new Float64Array(0);

/**
 * The row as a Rollup. Without `latency` / `quality` in the row, the sketch / label histograms
 * are empty shared ones (do not merge into them); histograms are attached only when `layout` is given and matches.
 */
export function rowToRollup(model: string, row: RollupRow, layout?: HistogramLayout): Rollup {
  const r: Rollup = {
    model,
    version: row.version,
    arm: row.arm,
    bucketStart: Number(row.bucket_start),
    bucketMs: Number(row.bucket_ms),
    ...countersFromColumns(row),
    latency: row.latency ? LatencySketch.fromBytes(row.latency) : EMPTY_SKETCH,
    scoreHist: new Float64Array(SCORE_BINS + 1),
    quality: EMPTY_QUALITY,
    layout: null,
    features: [],
    featureStats: NO_STATS,
  };
  if (row.score_hist) addCountsInto(row.score_hist, [r.scoreHist]);
  if (row.quality) {
    r.quality = new Float64Array(QUALITY_LENGTH);
    addCountsInto(row.quality, [r.quality]);
  }
  if (layout && row.features && row.layout === layout.id) {
    const features = layout.sizes.map((n) => new Float64Array(n));
    if (addCountsInto(row.features, features)) {
      r.layout = layout;
      r.features = features;
      r.featureStats = new Float64Array(layout.sizes.length * FEATURE_STATS_WIDTH);
      // Rows written before migration 0105 have none: zeros.
      if (row.feature_stats) addCountsInto(row.feature_stats, [r.featureStats]);
    }
  }
  return r;
}

function rollupValues(r: Rollup) {
  return {
    ...countersToColumns(r),
    latency: r.latency.toBytes(),
    score_hist: encodeCounts([r.scoreHist]),
    features: r.layout === null ? null : encodeCounts(r.features),
    quality: hasAny(r.quality) ? encodeCounts([r.quality]) : null,
    feature_stats: r.layout !== null && hasAny(r.featureStats) ? encodeCounts([r.featureStats]) : null,
  };
}

function hasAny(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return true;
  return false;
}

const toBytes = (v: unknown): Uint8Array | null => (v == null ? null : v instanceof Uint8Array ? v : null);

/**
 * Adds `r` into its row (creating it), inside the caller's transaction. On PostgreSQL the
 * row is locked first, so concurrent flushes of several replicas add up.
 */
export async function addRollupToStore(trx: Transaction<Database> | Kysely<Database>, postgres: boolean, r: Rollup, now: number): Promise<void> {
  const layout = r.layout?.id ?? '';
  const values = rollupValues(r);
  const keyRow = { model: r.model, version: r.version, arm: r.arm, bucket_ms: r.bucketMs, bucket_start: r.bucketStart, layout };
  if (postgres) {
    // Insert-if-absent first, so the SELECT … FOR UPDATE below always finds a row to lock.
    const inserted = await trx
      .insertInto('rollups')
      .values({ ...keyRow, ...values, updated_at: now })
      .onConflict((oc) => oc.columns(['model', 'bucket_ms', 'bucket_start', 'version', 'arm', 'layout']).doNothing())
      .returning('seq')
      .executeTakeFirst();
    if (inserted) return;
  }
  let q = trx
    .selectFrom('rollups')
    .select(['seq', ...ROLLUP_COUNTER_COLUMNS, 'latency', 'score_hist', 'features', 'quality', 'feature_stats'])
    .where('model', '=', r.model)
    .where('bucket_ms', '=', r.bucketMs)
    .where('bucket_start', '=', r.bucketStart)
    .where('version', '=', r.version)
    .where('arm', '=', r.arm)
    .where('layout', '=', layout);
  if (postgres) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) {
    await trx.insertInto('rollups').values({ ...keyRow, ...values, updated_at: now }).execute();
    return;
  }
  const sum = { ...values } as Record<string, unknown>;
  for (const c of ROLLUP_COUNTER_COLUMNS) sum[c] = Number(row[c]) + (values[c] as number);
  const oldLatency = toBytes(row.latency);
  if (oldLatency) sum.latency = LatencySketch.fromBytes(oldLatency).merge(r.latency).toBytes();
  const oldScore = toBytes(row.score_hist);
  if (oldScore) {
    const hist = Float64Array.from(r.scoreHist);
    if (addCountsInto(oldScore, [hist])) sum.score_hist = encodeCounts([hist]);
  }
  const oldQuality = toBytes(row.quality);
  if (oldQuality) {
    const quality = Float64Array.from(r.quality);
    if (addCountsInto(oldQuality, [quality])) sum.quality = encodeCounts([quality]);
    else sum.quality = oldQuality;
  }
  const oldStats = toBytes(row.feature_stats);
  if (oldStats && r.layout !== null) {
    const stats = Float64Array.from(r.featureStats);
    if (addCountsInto(oldStats, [stats])) sum.feature_stats = encodeCounts([stats]);
    else sum.feature_stats = oldStats;
  } else if (oldStats) {
    sum.feature_stats = oldStats;
  }
  const oldFeatures = toBytes(row.features);
  if (oldFeatures && r.layout !== null) {
    const features = r.features.map((a) => Float64Array.from(a));
    if (addCountsInto(oldFeatures, features)) sum.features = encodeCounts(features);
  } else if (oldFeatures) {
    sum.features = oldFeatures;
  }
  await trx
    .updateTable('rollups')
    .set({ ...(sum as ReturnType<typeof rollupValues>), updated_at: now })
    .where('seq', '=', row.seq)
    .execute();
}

/**
 * Adds rollups into their rows and runs `alsoInTransaction` (the journal's bookkeeping) in
 * the same transaction. Callers sort the rollups in one lock order for every process.
 */
export async function addRollupsToStore(
  store: Store,
  rollups: readonly Rollup[],
  now: number,
  alsoInTransaction: (trx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  const postgres = store.dialect === 'postgres';
  await store.db.transaction().execute(async (trx) => {
    for (const r of rollups) await addRollupToStore(trx, postgres, r, now);
    await alsoInTransaction(trx);
  });
}

// ---------------------------------------------------------------- reads

export interface RollupReadOptions {
  model: string;
  bucketMs: number;
  /** Half-open ranges of bucket starts; rows outside all of them are not returned. */
  ranges: ReadonlyArray<readonly [number, number]>;
  versions?: readonly string[] | undefined;
  arms?: readonly string[] | undefined;
  /** Read the latency sketch / the feature histograms blob / the label histograms / the score histogram. */
  latency?: boolean;
  features?: boolean;
  quality?: boolean;
  scores?: boolean;
  /** Only rows of these layouts ('' = rows without histograms). */
  layouts?: readonly string[] | undefined;
  /** Read only bucket_start and the feature histograms (drift): far cheaper per row. */
  histogramsOnly?: boolean;
  /** Read the per-feature sums and type-error counts (also with histogramsOnly). */
  featureStats?: boolean;
}

/** Rows of the ranges, in bucket order. Few ranges become one OR'ed query; many, the hull. */
export async function readRollupRows(store: Store, o: RollupReadOptions): Promise<RollupRow[]> {
  if (o.ranges.length === 0) return [];
  const columns = ['version', 'arm', 'bucket_ms', 'bucket_start', 'layout', ...ROLLUP_COUNTER_COLUMNS] as const;
  let q = store.db
    .selectFrom('rollups')
    .select(o.histogramsOnly ? (['bucket_start', 'features'] as unknown as typeof columns) : columns)
    .where('model', '=', o.model)
    .where('bucket_ms', '=', o.bucketMs);
  if (o.latency && !o.histogramsOnly) q = q.select('latency') as typeof q;
  if (o.features && !o.histogramsOnly) q = q.select(['features', 'score_hist']) as typeof q;
  if (o.quality && !o.histogramsOnly) q = q.select('quality') as typeof q;
  if (o.scores && !o.features && !o.histogramsOnly) q = q.select('score_hist') as typeof q;
  if (o.featureStats) q = q.select('feature_stats') as typeof q;
  const ranges = o.ranges;
  const hull: [number, number] = [ranges[0]![0], ranges[ranges.length - 1]![1]];
  if (ranges.length <= 16) {
    q = q.where((eb) => eb.or(ranges.map(([a, b]) => eb.and([eb('bucket_start', '>=', a), eb('bucket_start', '<', b)]))));
  } else {
    q = q.where('bucket_start', '>=', hull[0]).where('bucket_start', '<', hull[1]);
  }
  if (o.versions?.length) q = q.where('version', 'in', o.versions);
  if (o.arms?.length) q = q.where('arm', 'in', o.arms);
  if (o.layouts?.length) q = q.where('layout', 'in', o.layouts);
  const rows = (await q.orderBy('bucket_start').execute()) as unknown as RollupRow[];
  if (ranges.length <= 16) return rows;
  return rows.filter((row) => inRanges(ranges, Number(row.bucket_start)));
}

/** Whether x is in one of the sorted, disjoint half-open ranges (binary search). */
export function inRanges(ranges: ReadonlyArray<readonly [number, number]>, x: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b] = ranges[mid] as readonly [number, number];
    if (x < a) hi = mid - 1;
    else if (x >= b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Versions with stored rollups (of either width) starting in [from, to). */
export async function storedVersions(store: Store, model: string, from: number, to: number): Promise<string[]> {
  // Every minute row has its hour row (the flush writes both; retention deletes minutes only),
  // so whole hours inside the range are looked up in hour rows: 60 times fewer rows than all
  // of them, with the same versions (drift and data quality ask for this on each evaluation).
  const firstHour = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const hoursEnd = Math.max(firstHour, Math.floor(to / HOUR_MS) * HOUR_MS);
  const ranges: [number, number, number][] = [
    [HOUR_MS, from, to],
    [MINUTE_MS, from, Math.min(to, firstHour)],
    [MINUTE_MS, Math.max(from, hoursEnd), to],
  ];
  // One query per range: each an index range scan (an OR of them is not, on SQLite).
  const parts = await Promise.all(
    ranges
      .filter(([, a, b]) => a < b)
      .map(([bucketMs, a, b]) =>
        store.db
          .selectFrom('rollups')
          .select('version')
          .distinct()
          .where('model', '=', model)
          .where('bucket_ms', '=', bucketMs)
          .where('bucket_start', '>=', a)
          .where('bucket_start', '<', b)
          .execute(),
      ),
  );
  return [...new Set(parts.flatMap((rows) => rows.map((r) => r.version)))];
}

/**
 * Per version, the end of the newest bucket with predictions (epoch ms): the minute rows of
 * the day before `now` where there are any (minute resolution), else the hour rows (the flush
 * writes each minute with its hour; hour rows are 60 times fewer to group).
 */
export async function lastPredictionBuckets(store: Store, model: string, now: number): Promise<Map<string, number>> {
  const newest = (bucketMs: number, since: number) =>
    store.db
      .selectFrom('rollups')
      .select('version')
      .select((eb) => eb.fn.max('bucket_start').as('last_start'))
      .where('model', '=', model)
      .where('bucket_ms', '=', bucketMs)
      .where('bucket_start', '>=', since)
      .where('requests', '>', 0)
      .groupBy('version')
      .execute();
  const [hours, minutes] = await Promise.all([newest(HOUR_MS, 0), newest(MINUTE_MS, now - 24 * HOUR_MS)]);
  const out = new Map<string, number>();
  for (const r of hours) out.set(r.version, Number(r.last_start) + HOUR_MS);
  for (const r of minutes) out.set(r.version, Number(r.last_start) + MINUTE_MS);
  return out;
}
