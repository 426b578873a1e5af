/**
 * The SQLite fast path of the unit writes (unit-store-sqlite.ts, what the flush takes on
 * SQLite) stores exactly what the portable Kysely path (unit-store.ts, what PostgreSQL
 * takes) stores, on both dialects: the same flushes — new units, units seen again in a later
 * hour, units whose first ts moves into an earlier hour (their arrival moves), replays of
 * whole flushes, blocks added to existing hour and day rows — leave the same rows in
 * `unit_buckets`, `unit_exposures` and `unit_arrivals`; and those rows match the counts
 * computed here from the inputs (one row per unit, arrivals in the hour and day of its first ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { migrateToLatest, openStore, type SqlDialect, type Store } from '../store/database.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { DAY_MS, UNIT_WIDTH, unitBucket, type BucketSums, type Exposure, type UnitBlock, type UnitTaken } from './unit-buckets.ts';
import { addUnitBlocks, decodeSums, withCoarser, writeExposures } from './unit-store.ts';
import { writeUnits } from './unit-write.ts';

const T0 = Date.UTC(2026, 0, 1, 22, 30);
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

async function fresh(dialect: SqlDialect): Promise<Store> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-unit-sqlite-'));
  const store = await openStore({ dataDir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined });
  await migrateToLatest(store);
  stores.push(store);
  return store;
}

/** Six flushes of two models' arms: sightings spread over 26 hours, some arriving late (earlier ts than already flushed). */
function flushes(): UnitTaken[] {
  const rng = createRng(13);
  const out: UnitTaken[] = [];
  for (let f = 0; f < 6; f++) {
    const blocks = new Map<string, UnitBlock>();
    const exposures = new Map<string, Exposure>();
    for (let i = 0; i < 300; i++) {
      const model = rng() < 0.8 ? 'm1' : 'm2';
      const arm = rng() < 0.5 ? 'A' : 'B';
      const unit = `u${Math.floor(rng() * 120)}`;
      // Mostly forward in time; one sighting in five late, up to 5 hours before the flush's time.
      const ts = T0 + f * 5 * HOUR_MS + Math.floor((rng() < 0.2 ? -rng() * 5 : rng()) * HOUR_MS);
      const start = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
      const bk = `${model} ${arm} ${start}`;
      let b = blocks.get(bk);
      if (!b) blocks.set(bk, (b = { model, version: 'v1', arm, bucketMs: MINUTE_MS, start, sums: new Map() }));
      const bucket = unitBucket(unit);
      let e = b.sums.get(bucket);
      if (!e) b.sums.set(bucket, (e = new Float64Array(UNIT_WIDTH)));
      for (let c = 0; c < UNIT_WIDTH; c++) e[c]! += Math.round(rng() * 4);
      const xk = `${model} ${arm} ${unit}`;
      const lastHour = Math.floor(ts / HOUR_MS) * HOUR_MS;
      const x = exposures.get(xk);
      if (!x) exposures.set(xk, { model, version: 'v1', arm, unit, first: ts, lastHour });
      else {
        x.first = Math.min(x.first, ts);
        x.lastHour = Math.max(x.lastHour, lastHour);
      }
    }
    out.push({ blocks: [...blocks.values()], exposures: [...exposures.values()] });
  }
  // A replay of flush 2 (a kill -9 after its commit, or a second replica writing the same exposures): exposures change nothing.
  out.splice(3, 0, { blocks: [], exposures: out[2]!.exposures.map((x) => ({ ...x })) });
  return out;
}

async function apply(store: Store, fast: boolean, list: readonly UnitTaken[]): Promise<void> {
  for (const [i, t] of list.entries()) {
    await store.db.transaction().execute(async (trx) => {
      if (fast) await writeUnits(store, trx, t, 1000 + i);
      else {
        await addUnitBlocks(trx, store.dialect === 'postgres', withCoarser(t.blocks), 1000 + i);
        await writeExposures(trx, store.dialect === 'postgres', t.exposures);
      }
    });
  }
}

async function contents(store: Store) {
  const buckets = await store.db.selectFrom('unit_buckets').select(['model', 'version', 'arm', 'bucket_ms', 'bucket_start', 'sums', 'updated_at']).execute();
  const exposures = await store.db.selectFrom('unit_exposures').selectAll().execute();
  const arrivals = await store.db.selectFrom('unit_arrivals').selectAll().execute();
  const sums = (s: BucketSums) => [...s.entries()].sort((a, b) => a[0] - b[0]).map(([b, v]) => [b, ...v]);
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
  return {
    buckets: sorted(buckets.map((r) => ({ ...r, bucket_ms: Number(r.bucket_ms), bucket_start: Number(r.bucket_start), updated_at: Number(r.updated_at), sums: sums(decodeSums(r.sums)) }))),
    exposures: sorted(exposures.map((r) => ({ ...r, first_ts: Number(r.first_ts), last_hour: Number(r.last_hour) }))),
    arrivals: sorted(arrivals.map((r) => ({ ...r, bucket_ms: Number(r.bucket_ms), bucket_start: Number(r.bucket_start), units: Number(r.units) }))),
  };
}

/** Independently of both paths: one row per unit with its earliest ts and latest hour; arrivals where the first ts fell. */
function assertCounts(list: readonly UnitTaken[], fast: Awaited<ReturnType<typeof contents>>): void {
  const units = new Map<string, { first: number; lastHour: number }>();
  for (const t of list) {
    for (const x of t.exposures) {
      const k = `${x.model}\u0000${x.version}\u0000${x.arm}\u0000${x.unit}`;
      const u = units.get(k);
      units.set(k, u ? { first: Math.min(u.first, x.first), lastHour: Math.max(u.lastHour, x.lastHour) } : { first: x.first, lastHour: x.lastHour });
    }
  }
  assert.equal(fast.exposures.length, units.size);
  for (const row of fast.exposures.map((r) => JSON.parse(r) as { model: string; version: string; arm: string; unit_id: string; first_ts: number; last_hour: number })) {
    assert.deepEqual({ first: row.first_ts, lastHour: row.last_hour }, units.get(`${row.model}\u0000${row.version}\u0000${row.arm}\u0000${row.unit_id}`));
  }
  const expected = new Map<string, number>();
  for (const [k, u] of units) {
    const [model, version, arm] = k.split('\u0000') as [string, string, string];
    for (const width of [HOUR_MS, DAY_MS]) {
      const key = JSON.stringify({ model, bucket_ms: width, bucket_start: Math.floor(u.first / width) * width, version, arm });
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
  }
  const arrivals = new Map(
    fast.arrivals
      .map((r) => JSON.parse(r) as { model: string; bucket_ms: number; bucket_start: number; version: string; arm: string; units: number })
      .filter((r) => r.units !== 0)
      .map((r) => [JSON.stringify({ model: r.model, bucket_ms: r.bucket_ms, bucket_start: r.bucket_start, version: r.version, arm: r.arm }), r.units]),
  );
  assert.deepEqual(arrivals, expected);
}

test('the SQLite fast path stores what the portable path stores, on every dialect, and the counts are right', async () => {
  const list = flushes();
  const fastStore = await fresh('sqlite');
  await apply(fastStore, true, list);
  const fast = await contents(fastStore);

  assertCounts(list, fast);
  // Late sightings moved some first ts into an earlier hour: the case where an arrival moves is exercised.
  const movedHours = list.slice(1).some((t) => t.exposures.some((x) => {
    const earlier = list.slice(0, list.indexOf(t)).flatMap((p) => p.exposures).find((y) => y.model === x.model && y.arm === x.arm && y.unit === x.unit);
    return earlier !== undefined && Math.floor(x.first / HOUR_MS) < Math.floor(earlier.first / HOUR_MS);
  }));
  assert.ok(movedHours, 'the flushes include a first ts moving into an earlier hour');

  for (const dialect of testDialects()) {
    const portable = await fresh(dialect);
    await apply(portable, false, list);
    assert.deepEqual(await contents(portable), fast, `portable path on ${dialect}`);
  }
});

/**
 * Flushes as take() gives them, grouped by series and larger than a multi-row insert: all new
 * (whole chunks), then new units mixed with existing ones seen in a later hour, earlier (in
 * an earlier hour: the arrival moves) or as stored, in one series' chunks (rolled back and
 * written row by row), then a replay of that flush.
 */
function bigFlushes(): UnitTaken[] {
  const rng = createRng(29);
  const series = [
    { model: 'm1', version: 'v1', arm: 'A' },
    { model: 'm1', version: 'v1', arm: 'B' },
    { model: 'm2', version: 'v2', arm: 'A' },
  ];
  const flush = (units: (s: number) => { unit: string; first: number; lastHour: number }[]): UnitTaken => ({
    blocks: [],
    exposures: series.flatMap((x, s) => units(s).map((u) => ({ ...x, ...u }))),
  });
  const at = (ts: number) => ({ first: ts, lastHour: Math.floor(ts / HOUR_MS) * HOUR_MS });
  const first = flush(() => Array.from({ length: 450 }, (_, k) => ({ unit: `u${k}`, ...at(T0 + 2 * HOUR_MS + Math.floor(rng() * HOUR_MS)) })));
  const second = flush((s) =>
    Array.from({ length: 700 }, (_, k) => {
      const old = k < 450 ? first.exposures[s * 450 + k] : undefined;
      if (old === undefined || k % 3 === 0) return { unit: `u${k}`, ...at(T0 + 3 * HOUR_MS + k) };
      if (k % 3 === 1) return { unit: old.unit, first: old.first - 2 * HOUR_MS, lastHour: old.lastHour };
      return { unit: old.unit, first: old.first, lastHour: old.lastHour };
    }),
  );
  const replay = { blocks: [], exposures: second.exposures.map((x) => ({ ...x })) };
  return [first, second, replay];
}

test('large grouped flushes (multi-row inserts, chunks meeting existing rows) store what the portable path stores', async () => {
  const list = bigFlushes();
  const fastStore = await fresh('sqlite');
  await apply(fastStore, true, list);
  const fast = await contents(fastStore);
  assertCounts(list, fast);
  assert.equal(fast.exposures.length, 3 * 700);
  for (const dialect of testDialects()) {
    const portable = await fresh(dialect);
    await apply(portable, false, list);
    assert.deepEqual(await contents(portable), fast, `portable path on ${dialect}`);
  }
});
