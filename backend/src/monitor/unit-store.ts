/**
 * Unit buckets and exposures in the store (migration 0103; unit-buckets.ts says what they are).
 *
 * - `unit_buckets`: one row per (model, version, arm, width, start) for minute, hour and day
 *   blocks; `sums` holds the touched buckets' sums (encodeSums). The flush adds a block into
 *   its row (read, add, write under a row lock on PostgreSQL, as rollup-store.ts does), in
 *   the flush transaction that deletes the flushed batches' pending rows: so like the
 *   rollups they count every accepted record exactly once across kill -9, replays and
 *   replicas. A read of any window takes day rows for its whole days, hour rows for the
 *   whole hours at its ends and minute rows for the rest: at most ~160 rows per arm.
 * - `unit_exposures`: one row per (model, version, arm, unit): the first prediction's ts
 *   and the start of the last hour the unit was seen; `unit_arrivals`: per hour, the units
 *   first seen in it (writeExposures). Writing an exposure twice (a replay) or from two
 *   replicas changes nothing; the distinct-unit counts of SRM are exact (unit-exposures.ts).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, UnitArrivalsTable } from '../store/schema.ts';
import type { Store } from '../store/database.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { addSums, DAY_MS, UNIT_BUCKETS, UNIT_WIDTH, type BucketSums, type Exposure, type UnitBlock } from './unit-buckets.ts';

const ENTRY = UNIT_WIDTH + 1;

/** Sums as little-endian float64s, per touched bucket [bucket, sums…], ascending. */
export function encodeSums(sums: BucketSums): Uint8Array {
  const buckets = [...sums.keys()].sort((a, b) => a - b);
  const out = new Float64Array(buckets.length * ENTRY);
  buckets.forEach((b, k) => {
    out[k * ENTRY] = b;
    out.set(sums.get(b)!, k * ENTRY + 1);
  });
  return new Uint8Array(out.buffer);
}

function floats(bytes: Uint8Array): Float64Array {
  const n = Math.floor(bytes.byteLength / 8);
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  // A copy when the driver's buffer is not 8-byte aligned.
  return new Float64Array(new Uint8Array(bytes).buffer, 0, n);
}

/** Adds encoded sums into a dense array (bucket-major, UNIT_WIDTH per bucket). */
export function addEncodedInto(bytes: Uint8Array, dense: Float64Array): void {
  const f = floats(bytes);
  for (let k = 0; k + ENTRY <= f.length; k += ENTRY) {
    const at = f[k]! * UNIT_WIDTH;
    if (!(at >= 0 && at < UNIT_BUCKETS * UNIT_WIDTH)) continue;
    for (let i = 0; i < UNIT_WIDTH; i++) dense[at + i]! += f[k + 1 + i]!;
  }
}

export function decodeSums(bytes: Uint8Array): BucketSums {
  const f = floats(bytes);
  const out: BucketSums = new Map();
  for (let k = 0; k + ENTRY <= f.length; k += ENTRY) out.set(f[k]!, f.slice(k + 1, k + ENTRY));
  return out;
}

/** Minute blocks with their hour and day blocks, in the table's key order (one lock order for every process). */
export function withCoarser(blocks: readonly UnitBlock[]): UnitBlock[] {
  const out = new Map<string, UnitBlock>();
  for (const b of blocks) {
    for (const width of [MINUTE_MS, HOUR_MS, DAY_MS]) {
      const start = Math.floor(b.start / width) * width;
      const key = `${b.model}\u0000${width}\u0000${start}\u0000${b.version}\u0000${b.arm}`;
      const c = out.get(key);
      if (c) addSums(c.sums, b.sums);
      else {
        const sums: BucketSums = new Map();
        addSums(sums, b.sums);
        out.set(key, { model: b.model, version: b.version, arm: b.arm, bucketMs: width, start, sums });
      }
    }
  }
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...out.values()].sort((a, b) => c(a.model, b.model) || a.bucketMs - b.bucketMs || a.start - b.start || c(a.version, b.version) || c(a.arm, b.arm));
}

const BLOCK_CHUNK = 500;
const blockKey = (model: string, bucketMs: number, start: number, version: string, arm: string) => `${model}\u0000${bucketMs}\u0000${start}\u0000${version}\u0000${arm}`;

/**
 * Adds blocks into their rows, inside the flush transaction: new rows in multi-row inserts
 * (most blocks are new), the others read (locked on PostgreSQL), added to and written back.
 */
export async function addUnitBlocks(trx: Transaction<Database> | Kysely<Database>, postgres: boolean, blocks: readonly UnitBlock[], now: number): Promise<void> {
  for (let start = 0; start < blocks.length; start += BLOCK_CHUNK) {
    const chunk = blocks.slice(start, start + BLOCK_CHUNK);
    const inserted = await trx
      .insertInto('unit_buckets')
      .values(chunk.map((b) => ({ model: b.model, version: b.version, arm: b.arm, bucket_ms: b.bucketMs, bucket_start: b.start, sums: encodeSums(b.sums), updated_at: now })))
      .onConflict((oc) => oc.columns(['model', 'bucket_ms', 'bucket_start', 'version', 'arm']).doNothing())
      .returning(['model', 'bucket_ms', 'bucket_start', 'version', 'arm'])
      .execute();
    const created = new Set(inserted.map((r) => blockKey(r.model, Number(r.bucket_ms), Number(r.bucket_start), r.version, r.arm)));
    for (const b of chunk) {
      if (created.has(blockKey(b.model, b.bucketMs, b.start, b.version, b.arm))) continue;
      let q = trx
        .selectFrom('unit_buckets')
        .select(['seq', 'sums'])
        .where('model', '=', b.model)
        .where('bucket_ms', '=', b.bucketMs)
        .where('bucket_start', '=', b.start)
        .where('version', '=', b.version)
        .where('arm', '=', b.arm);
      if (postgres) q = q.forUpdate();
      const row = await q.executeTakeFirstOrThrow();
      const sums = decodeSums(row.sums);
      addSums(sums, b.sums);
      await trx.updateTable('unit_buckets').set({ sums: encodeSums(sums), updated_at: now }).where('seq', '=', row.seq).execute();
    }
  }
}

const EXPOSURE_CHUNK = 2000;

/** The order of the exposures table's key. */
export function byKey(a: Exposure, b: Exposure): number {
  if (a.model !== b.model) return a.model < b.model ? -1 : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (a.arm !== b.arm) return a.arm < b.arm ? -1 : 1;
  return a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0;
}

const ARRIVAL_WIDTHS = [HOUR_MS, DAY_MS];

/** Units first seen per (model, version, arm) and hour / day, as one flush changes them (rows added to `unit_arrivals`). */
export class ArrivalCounts {
  private readonly series = new Map<string, { model: string; version: string; arm: string; counts: Map<number, number>[] }>();
  private last: { model: string; version: string; arm: string; counts: Map<number, number>[] } | null = null;

  bump(x: Exposure, ts: number, d: number): void {
    let s = this.last;
    if (s === null || s.arm !== x.arm || s.version !== x.version || s.model !== x.model) {
      const key = `${x.model}\u0000${x.version}\u0000${x.arm}`;
      s = this.series.get(key) ?? null;
      if (s === null) this.series.set(key, (s = { model: x.model, version: x.version, arm: x.arm, counts: [new Map(), new Map()] }));
      this.last = s;
    }
    for (let w = 0; w < 2; w++) {
      const start = Math.floor(ts / ARRIVAL_WIDTHS[w]!) * ARRIVAL_WIDTHS[w]!;
      const m = s.counts[w]!;
      m.set(start, (m.get(start) ?? 0) + d);
    }
  }

  /**
   * A unit stored as `stored` seen again as `x`: the row to write (first = min, last hour =
   * max) or null when that changes nothing; its arrival moves with its first ts.
   */
  merge(x: Exposure, stored: { first: number; lastHour: number }): Exposure | null {
    const first = Math.min(stored.first, x.first);
    const lastHour = Math.max(stored.lastHour, x.lastHour);
    if (first === stored.first && lastHour === stored.lastHour) return null;
    if (Math.floor(first / HOUR_MS) !== Math.floor(stored.first / HOUR_MS)) {
      this.bump(x, stored.first, -1);
      this.bump(x, first, 1);
    }
    return { ...x, first, lastHour };
  }

  /** The changed counts in the table's key order (one lock order for every process). */
  rows(): UnitArrivalsTable[] {
    const out: UnitArrivalsTable[] = [];
    for (const s of this.series.values()) {
      for (let w = 0; w < 2; w++) {
        for (const [start, units] of s.counts[w]!) {
          if (units !== 0) out.push({ model: s.model, bucket_ms: ARRIVAL_WIDTHS[w]!, bucket_start: start, version: s.version, arm: s.arm, units });
        }
      }
    }
    const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => c(a.model, b.model) || a.bucket_ms - b.bucket_ms || a.bucket_start - b.bucket_start || c(a.version, b.version) || c(a.arm, b.arm));
  }
}

/**
 * Writes exposures (first = min, last hour = max) and keeps `unit_arrivals` in step, inside
 * the flush transaction, in key order (one lock order for every process). A new row counts
 * one arrival in the hour of its first ts; the insert returns only the rows this transaction
 * inserted, so of two replicas inserting one unit exactly one counts it. Rows that exist are
 * read (locked on PostgreSQL) and updated when the first ts moves earlier or the last hour
 * later; an arrival moves with its first ts. Writing an exposure again (a replay) changes nothing.
 * (SQLite takes unit-store-sqlite.ts, the same writes through prepared statements.)
 */
export async function writeExposures(trx: Transaction<Database> | Kysely<Database>, postgres: boolean, exposures: readonly Exposure[]): Promise<void> {
  const sorted = [...exposures].sort(byKey);
  const arrivals = new ArrivalCounts();
  const existing: Exposure[] = [];
  for (let start = 0; start < sorted.length; start += EXPOSURE_CHUNK) {
    const chunk = sorted.slice(start, start + EXPOSURE_CHUNK);
    const inserted = await trx
      .insertInto('unit_exposures')
      .values(chunk.map((x) => ({ model: x.model, version: x.version, arm: x.arm, unit_id: x.unit, first_ts: x.first, last_hour: x.lastHour })))
      .onConflict((oc) => oc.columns(['model', 'version', 'arm', 'unit_id']).doNothing())
      .returning(['model', 'version', 'arm', 'unit_id'])
      .execute();
    const mine = new Set(inserted.map((r) => `${r.model}\u0000${r.version}\u0000${r.arm}\u0000${r.unit_id}`));
    for (const x of chunk) {
      if (mine.has(`${x.model}\u0000${x.version}\u0000${x.arm}\u0000${x.unit}`)) arrivals.bump(x, x.first, 1);
      else existing.push(x);
    }
  }
  const changed: Exposure[] = [];
  for (let start = 0; start < existing.length; ) {
    // One (model, version, arm) per statement.
    const head = existing[start]!;
    let end = start;
    while (end < existing.length && end - start < EXPOSURE_CHUNK && existing[end]!.model === head.model && existing[end]!.version === head.version && existing[end]!.arm === head.arm) end++;
    const chunk = existing.slice(start, end);
    let q = trx
      .selectFrom('unit_exposures')
      .select(['unit_id', 'first_ts', 'last_hour'])
      .where('model', '=', head.model)
      .where('version', '=', head.version)
      .where('arm', '=', head.arm)
      .where('unit_id', 'in', chunk.map((x) => x.unit));
    if (postgres) q = q.forUpdate();
    const stored = new Map((await q.execute()).map((r) => [r.unit_id, { first: Number(r.first_ts), lastHour: Number(r.last_hour) }]));
    for (const x of chunk) {
      const s = stored.get(x.unit);
      const c = s ? arrivals.merge(x, s) : null;
      if (c) changed.push(c);
    }
    start = end;
  }
  for (let start = 0; start < changed.length; start += EXPOSURE_CHUNK) {
    await trx
      .insertInto('unit_exposures')
      .values(changed.slice(start, start + EXPOSURE_CHUNK).map((x) => ({ model: x.model, version: x.version, arm: x.arm, unit_id: x.unit, first_ts: x.first, last_hour: x.lastHour })))
      .onConflict((oc) => oc.columns(['model', 'version', 'arm', 'unit_id']).doUpdateSet({ first_ts: sql.ref('excluded.first_ts'), last_hour: sql.ref('excluded.last_hour') }))
      .execute();
  }
  const counts = arrivals.rows();
  for (let start = 0; start < counts.length; start += EXPOSURE_CHUNK) {
    await trx
      .insertInto('unit_arrivals')
      .values(counts.slice(start, start + EXPOSURE_CHUNK))
      .onConflict((oc) => oc.columns(['model', 'bucket_ms', 'bucket_start', 'version', 'arm']).doUpdateSet({ units: sql`unit_arrivals.units + excluded.units` }))
      .execute();
  }
}

/** The blocks a window's read takes: day rows for whole days, hour rows for whole hours, minute rows for the rest. */
export function planUnitRead(from: number, to: number): { bucketMs: number; from: number; to: number }[] {
  const out: { bucketMs: number; from: number; to: number }[] = [];
  const span = (a: number, b: number, width: number, finer: ((a: number, b: number) => void) | null) => {
    const first = Math.ceil(a / width) * width;
    const end = Math.floor(b / width) * width;
    if (first >= end || finer === null) {
      if (finer) finer(a, b);
      else if (a < b) out.push({ bucketMs: width, from: a, to: b });
      return;
    }
    if (a < first) finer(a, first);
    out.push({ bucketMs: width, from: first, to: end });
    if (end < b) finer(end, b);
  };
  const minutes = (a: number, b: number) => span(a, b, MINUTE_MS, null);
  const hours = (a: number, b: number) => span(a, b, HOUR_MS, minutes);
  span(from, to, DAY_MS, hours);
  return out;
}

/** Stored rows of a model's blocks in the plan, of the given (version, arm) series (all when none). */
export async function readUnitRows(
  store: Store,
  model: string,
  plan: readonly { bucketMs: number; from: number; to: number }[],
  series?: readonly { version: string; arm: string }[],
): Promise<{ version: string; arm: string; sums: Uint8Array }[]> {
  if (plan.length === 0 || series?.length === 0) return [];
  let q = store.db
    .selectFrom('unit_buckets')
    .select(['version', 'arm', 'sums'])
    .where('model', '=', model)
    .where((eb) => eb.or(plan.map((p) => eb.and([eb('bucket_ms', '=', p.bucketMs), eb('bucket_start', '>=', p.from), eb('bucket_start', '<', p.to)]))));
  if (series) q = q.where('version', 'in', [...new Set(series.map((s) => s.version))]).where('arm', 'in', [...new Set(series.map((s) => s.arm))]);
  const wanted = series ? new Set(series.map((s) => `${s.version}\u0000${s.arm}`)) : undefined;
  const rows = await q.execute();
  return wanted ? rows.filter((r) => wanted.has(`${r.version}\u0000${r.arm}`)) : rows;
}

/** The unit id of each outcome row of a batch, in seq order (as IngestJournal.outcomesOf returns them), for a replay. */
export async function outcomeUnitsOf(store: Store, b: { batch: number; model: string; minSeq: number | null; maxSeq: number | null }): Promise<(string | null)[]> {
  if (b.minSeq === null || b.maxSeq === null) return [];
  const rows = await store.db
    .selectFrom('outcomes as o')
    .leftJoin('predictions as p', (j) => j.onRef('p.model', '=', 'o.model').onRef('p.id', '=', 'o.id'))
    .select(['o.seq', 'p.unit_id'])
    .where('o.seq', '>=', b.minSeq)
    .where('o.seq', '<=', b.maxSeq)
    .where('o.batch', '=', b.batch)
    .orderBy('o.seq')
    .execute();
  return rows.map((r) => r.unit_id ?? null);
}
