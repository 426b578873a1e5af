/**
 * Rollups in the store (table `rollups`): one row per (model, version, arm, bucket width,
 * bucket start, histogram layout). Flushing adds a rollup into its row (read, add, write —
 * under a row lock on PostgreSQL), so late records, replays and several processes all add
 * up; the row is always the sum of everything counted for its key.
 *
 * Histograms are stored as compact varint blobs (below): drift over a week of minute rows
 * reads and adds them without building objects per row.
 */
import type { Kysely, Transaction } from 'kysely';
import { LatencySketch } from './latency-sketch.ts';
import { SCORE_BINS, type Rollup } from './rollup.ts';
import type { HistogramLayout } from './rollup-layout.ts';
import type { Database, RollupsTable } from '../store/schema.ts';
import type { Store } from '../store/database.ts';

// ---------------------------------------------------------------- count blobs

const FORMAT_VARINT = 1;
const FORMAT_F64 = 2;

/**
 * Arrays of counts → bytes: [format, n arrays, then per array: length, counts]. Whole
 * counts (the normal case) as LEB128 varints; any other value switches the blob to f64.
 */
export function encodeCounts(arrays: readonly ArrayLike<number>[]): Uint8Array {
  let whole = true;
  let size = 16;
  for (const a of arrays) {
    size += 5 + a.length * 3;
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (!(v >= 0 && v <= 0x1fffffffffffff && Math.floor(v) === v)) whole = false;
    }
  }
  if (!whole) {
    let n = 0;
    for (const a of arrays) n += a.length;
    const out = new Uint8Array(2 + 4 * (arrays.length + 1) + 8 * n);
    const view = new DataView(out.buffer);
    out[0] = FORMAT_F64;
    let pos = 1;
    view.setUint32(pos, arrays.length, true);
    pos += 4;
    for (const a of arrays) {
      view.setUint32(pos, a.length, true);
      pos += 4;
      for (let i = 0; i < a.length; i++) {
        view.setFloat64(pos, a[i] as number, true);
        pos += 8;
      }
    }
    return out.subarray(0, pos);
  }
  let buf = new Uint8Array(size);
  let pos = 0;
  const put = (x: number) => {
    if (pos + 8 > buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf);
      buf = next;
    }
    while (x >= 0x80) {
      buf[pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    buf[pos++] = x;
  };
  buf[pos++] = FORMAT_VARINT;
  put(arrays.length);
  for (const a of arrays) {
    put(a.length);
    for (let i = 0; i < a.length; i++) put(a[i] as number);
  }
  return buf.slice(0, pos);
}

export class CountsFormatError extends Error {}

/**
 * Adds the counts in `bytes` into `into` (one array per stored array, same lengths), or
 * returns false when the shapes differ. No allocations.
 */
export function addCountsInto(bytes: Uint8Array, into: readonly Float64Array[]): boolean {
  if (bytes.length === 0) return false;
  const format = bytes[0];
  if (format === FORMAT_F64) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 1;
    const n = view.getUint32(pos, true);
    pos += 4;
    if (n !== into.length) return false;
    for (let a = 0; a < n; a++) {
      const len = view.getUint32(pos, true);
      pos += 4;
      const target = into[a] as Float64Array;
      if (len !== target.length) return false;
      for (let i = 0; i < len; i++) {
        target[i] = (target[i] as number) + view.getFloat64(pos, true);
        pos += 8;
      }
    }
    return true;
  }
  if (format !== FORMAT_VARINT) throw new CountsFormatError(`unknown counts format ${format}`);
  // Hot loop of drift queries (a week of minute rows: millions of counts): varints decoded
  // inline, one-byte values (most bins of a minute) on the fast path.
  const end = bytes.length;
  let pos = 1;
  let b: number;
  let x = 0;
  let scale = 1;
  // number of arrays
  do {
    if (pos >= end) throw new CountsFormatError('truncated counts');
    b = bytes[pos++] as number;
    x += (b & 0x7f) * scale;
    scale *= 0x80;
  } while (b >= 0x80);
  if (x !== into.length) return false;
  const n = x;
  for (let a = 0; a < n; a++) {
    x = 0;
    scale = 1;
    do {
      if (pos >= end) throw new CountsFormatError('truncated counts');
      b = bytes[pos++] as number;
      x += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    const target = into[a] as Float64Array;
    if (x !== target.length) return false;
    const len = x;
    if (pos + len > end) throw new CountsFormatError('truncated counts');
    for (let i = 0; i < len; i++) {
      b = bytes[pos++] as number;
      if (b < 0x80) {
        target[i] = (target[i] as number) + b;
        continue;
      }
      x = b & 0x7f;
      scale = 0x80;
      do {
        if (pos >= end) throw new CountsFormatError('truncated counts');
        b = bytes[pos++] as number;
        x += (b & 0x7f) * scale;
        scale *= 0x80;
      } while (b >= 0x80);
      target[i] = (target[i] as number) + x;
    }
  }
  return true;
}

/** The arrays in `bytes`, with their stored lengths. */
export function decodeCounts(bytes: Uint8Array): Float64Array[] {
  const shape = countsShape(bytes);
  const out = shape.map((n) => new Float64Array(n));
  addCountsInto(bytes, out);
  return out;
}

/** Lengths of the arrays in `bytes`. */
export function countsShape(bytes: Uint8Array): number[] {
  const format = bytes[0];
  const sizes: number[] = [];
  if (format === FORMAT_F64) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 1;
    const n = view.getUint32(pos, true);
    pos += 4;
    for (let a = 0; a < n; a++) {
      const len = view.getUint32(pos, true);
      sizes.push(len);
      pos += 4 + 8 * len;
    }
    return sizes;
  }
  let pos = 1;
  const get = (): number => {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (pos >= bytes.length) throw new CountsFormatError('truncated counts');
      const b = bytes[pos++] as number;
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 0x80;
    }
  };
  const n = get();
  for (let a = 0; a < n; a++) {
    const len = get();
    sizes.push(len);
    for (let i = 0; i < len; i++) get();
  }
  return sizes;
}

// ---------------------------------------------------------------- rows ⇄ rollups

/** Counter columns and the Rollup fields they hold. */
const COUNTERS = [
  ['requests', 'requests'],
  ['errors', 'errors'],
  ['impressions', 'impressions'],
  ['clicks', 'clicks'],
  ['conversions', 'conversions'],
  ['labelled', 'labelled'],
  ['positives', 'positives'],
  ['score_count', 'scoreCount'],
  ['score_sum', 'scoreSum'],
  ['score_sum_sq', 'scoreSumSq'],
  ['latency_count', 'latencyCount'],
  ['latency_sum', 'latencySum'],
] as const;

export type CounterColumn = (typeof COUNTERS)[number][0];
export const COUNTER_COLUMNS: readonly CounterColumn[] = COUNTERS.map(([c]) => c);

/** A stored row as read for queries (blobs only when asked for; histogramsOnly: bucket_start and features only). */
export interface RollupRow extends Pick<RollupsTable, CounterColumn> {
  version: string;
  arm: string;
  bucket_ms: number;
  bucket_start: number;
  layout: string;
  latency?: Uint8Array | null;
  score_hist?: Uint8Array | null;
  features?: Uint8Array | null;
}

/** Shared by rows read without their sketch: nothing ever merges INTO it. */
const EMPTY_SKETCH = new LatencySketch();

/**
 * The row as a Rollup. Without `latency` in the row, the sketch is an empty shared one (do
 * not merge into it); histograms are attached only when `layout` is given and matches.
 */
export function rowToRollup(model: string, row: RollupRow, layout?: HistogramLayout): Rollup {
  const r: Rollup = {
    model,
    version: row.version,
    arm: row.arm,
    bucketStart: Number(row.bucket_start),
    bucketMs: Number(row.bucket_ms),
    requests: Number(row.requests),
    errors: Number(row.errors),
    impressions: Number(row.impressions),
    clicks: Number(row.clicks),
    conversions: Number(row.conversions),
    labelled: Number(row.labelled),
    positives: Number(row.positives),
    scoreCount: Number(row.score_count),
    scoreSum: Number(row.score_sum),
    scoreSumSq: Number(row.score_sum_sq),
    latencyCount: Number(row.latency_count),
    latencySum: Number(row.latency_sum),
    latency: row.latency ? LatencySketch.fromBytes(row.latency) : EMPTY_SKETCH,
    scoreHist: new Float64Array(SCORE_BINS + 1),
    layout: null,
    features: [],
  };
  if (row.score_hist) addCountsInto(row.score_hist, [r.scoreHist]);
  if (layout && row.features && row.layout === layout.id) {
    const features = layout.sizes.map((n) => new Float64Array(n));
    if (addCountsInto(row.features, features)) {
      r.layout = layout;
      r.features = features;
    }
  }
  return r;
}

function rollupValues(r: Rollup) {
  return {
    requests: r.requests,
    errors: r.errors,
    impressions: r.impressions,
    clicks: r.clicks,
    conversions: r.conversions,
    labelled: r.labelled,
    positives: r.positives,
    score_count: r.scoreCount,
    score_sum: r.scoreSum,
    score_sum_sq: r.scoreSumSq,
    latency_count: r.latencyCount,
    latency_sum: r.latencySum,
    latency: r.latency.toBytes(),
    score_hist: encodeCounts([r.scoreHist]),
    features: r.layout === null ? null : encodeCounts(r.features),
  };
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
    .select(['seq', ...COUNTER_COLUMNS, 'latency', 'score_hist', 'features'])
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
  for (const c of COUNTER_COLUMNS) sum[c] = Number(row[c]) + (values[c] as number);
  const oldLatency = toBytes(row.latency);
  if (oldLatency) sum.latency = LatencySketch.fromBytes(oldLatency).merge(r.latency).toBytes();
  const oldScore = toBytes(row.score_hist);
  if (oldScore) {
    const hist = Float64Array.from(r.scoreHist);
    if (addCountsInto(oldScore, [hist])) sum.score_hist = encodeCounts([hist]);
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

// ---------------------------------------------------------------- reads

export interface RollupReadOptions {
  model: string;
  bucketMs: number;
  /** Half-open ranges of bucket starts; rows outside all of them are not returned. */
  ranges: ReadonlyArray<readonly [number, number]>;
  versions?: readonly string[] | undefined;
  arms?: readonly string[] | undefined;
  /** Read the latency sketch / the feature histograms blob. */
  latency?: boolean;
  features?: boolean;
  /** Only rows of these layouts ('' = rows without histograms). */
  layouts?: readonly string[] | undefined;
  /** Read only bucket_start and the feature histograms (drift): far cheaper per row. */
  histogramsOnly?: boolean;
}

/** Rows of the ranges, in bucket order. Few ranges become one OR'ed query; many, the hull. */
export async function readRollupRows(store: Store, o: RollupReadOptions): Promise<RollupRow[]> {
  if (o.ranges.length === 0) return [];
  const columns = ['version', 'arm', 'bucket_ms', 'bucket_start', 'layout', ...COUNTER_COLUMNS] as const;
  let q = store.db
    .selectFrom('rollups')
    .select(o.histogramsOnly ? (['bucket_start', 'features'] as unknown as typeof columns) : columns)
    .where('model', '=', o.model)
    .where('bucket_ms', '=', o.bucketMs);
  if (o.latency && !o.histogramsOnly) q = q.select('latency') as typeof q;
  if (o.features && !o.histogramsOnly) q = q.select(['features', 'score_hist']) as typeof q;
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

/** Versions and arms with rollups in [from, to) (minute rows). */
export async function seriesInRange(store: Store, model: string, from: number, to: number): Promise<{ version: string; arm: string }[]> {
  const rows = await store.db
    .selectFrom('rollups')
    .select(['version', 'arm'])
    .distinct()
    .where('model', '=', model)
    .where('bucket_ms', '=', 60_000)
    .where('bucket_start', '>=', from)
    .where('bucket_start', '<', to)
    .execute();
  return rows;
}
