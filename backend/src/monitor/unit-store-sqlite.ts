/**
 * The SQLite fast path of the unit writes at the flush (the same rows as addUnitBlocks and
 * writeExposures in unit-store.ts, which PostgreSQL takes): node:sqlite prepared statements,
 * run synchronously on the store's one connection inside the flush's Kysely transaction (no
 * other statement can interleave). Kysely builds and compiles each multi-row statement anew,
 * which cost more than the writes (bench/ingest --unit-ids, docs/benchmarks.md). One SQLite
 * writer at a time: no row locks to order.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { statementsPerConnection } from '../store/sqlite-statements.ts';
import { addSums, type Exposure, type UnitBlock } from './unit-buckets.ts';
import { ArrivalCounts, decodeSums, encodeSums } from './unit-store.ts';

interface Statements {
  insertBlock: StatementSync;
  findBlock: StatementSync;
  updateBlock: StatementSync;
  insertExposure: StatementSync;
  savepoint: StatementSync;
  rollback: StatementSync;
  release: StatementSync;
  findExposure: StatementSync;
  updateExposure: StatementSync;
  addArrivals: StatementSync;
}

const statements = statementsPerConnection<Statements>((db) => ({
  insertBlock: db.prepare(
    'insert into unit_buckets (model, version, arm, bucket_ms, bucket_start, sums, updated_at) values (?, ?, ?, ?, ?, ?, ?) ' +
      'on conflict (model, bucket_ms, bucket_start, version, arm) do nothing',
  ),
  findBlock: db.prepare('select seq, sums from unit_buckets where model = ? and bucket_ms = ? and bucket_start = ? and version = ? and arm = ?'),
  updateBlock: db.prepare('update unit_buckets set sums = ?, updated_at = ? where seq = ?'),
  insertExposure: db.prepare(
    'insert into unit_exposures (model, version, arm, unit_id, first_ts, last_hour) values (?, ?, ?, ?, ?, ?) ' +
      'on conflict (model, version, arm, unit_id) do nothing',
  ),
  savepoint: db.prepare('savepoint unit_exposures'),
  rollback: db.prepare('rollback to unit_exposures'),
  release: db.prepare('release unit_exposures'),
  findExposure: db.prepare('select first_ts, last_hour from unit_exposures where model = ? and version = ? and arm = ? and unit_id = ?'),
  updateExposure: db.prepare('update unit_exposures set first_ts = ?, last_hour = ? where model = ? and version = ? and arm = ? and unit_id = ?'),
  addArrivals: db.prepare(
    'insert into unit_arrivals (model, bucket_ms, bucket_start, version, arm, units) values (?, ?, ?, ?, ?, ?) ' +
      'on conflict (model, bucket_ms, bucket_start, version, arm) do update set units = unit_arrivals.units + excluded.units',
  ),
}));

/** addUnitBlocks on SQLite: a new block is inserted, an existing row read, added to and written back. */
export function addUnitBlocksSqlite(db: DatabaseSync, blocks: readonly UnitBlock[], now: number): void {
  const s = statements(db);
  for (const b of blocks) {
    if (s.insertBlock.run(b.model, b.version, b.arm, b.bucketMs, b.start, encodeSums(b.sums), now).changes !== 0) continue;
    const row = s.findBlock.get(b.model, b.bucketMs, b.start, b.version, b.arm) as { seq: number; sums: Uint8Array };
    const sums = decodeSums(row.sums);
    addSums(sums, b.sums);
    s.updateBlock.run(encodeSums(sums), now, row.seq);
  }
}

/**
 * Rows per multi-row insert of new exposures: one statement call binds a chunk, so node:sqlite's
 * per-call overhead is paid once per chunk (at most 3 × 200 + 3 parameters, far below SQLite's
 * limit of 32,766); a series' last rows take the largest size that fits, the last few go row
 * by row (three statements per connection, not one per row count). Measured on 54,000 new rows
 * in unit order (in-process, one core): 2.0 µs a row one statement each, 1.4 µs multi-row with
 * `returning` (SQLite buffers the returned rows, node:sqlite makes an object of each),
 * 0.75–0.95 µs multi-row without, in a savepoint.
 */
const CHUNKS = [200, 40, 8];

/** `insert … on conflict do nothing` of `n` rows of one (model, version, arm), per connection and row count. */
const insertMany = statementsPerConnection((db) => {
  const byCount = new Map<number, StatementSync>();
  return (n: number): StatementSync => {
    let st = byCount.get(n);
    if (st === undefined) {
      const rows = Array.from({ length: n }, () => '(?1, ?2, ?3, ?, ?, ?)').join(', ');
      st = db.prepare(`insert into unit_exposures (model, version, arm, unit_id, first_ts, last_hour) values ${rows} on conflict (model, version, arm, unit_id) do nothing`);
      byCount.set(n, st);
    }
    return st;
  };
});

const byFirst = (a: Exposure, b: Exposure): number => a.first - b.first;

/**
 * writeExposures on SQLite. A chunk of one series is inserted in one statement inside a
 * savepoint: when every row was new (`changes` = rows; the common case: units seen for the
 * first time), each counts one arrival. Otherwise the chunk is rolled back and written row
 * by row: a new row counts one arrival, an existing one is merged (ArrivalCounts.merge); and
 * the next chunk is written row by row too (a flush after an hour starts re-writes mostly
 * existing units), the one after it tried whole again when that found no existing row.
 */
export function writeExposuresSqlite(db: DatabaseSync, exposures: readonly Exposure[]): void {
  const s = statements(db);
  const many = insertMany(db);
  const arrivals = new ArrivalCounts();
  const params: (string | number)[] = [];
  /** Writes one exposure; true when its row was new. */
  const one = (x: Exposure): boolean => {
    if (s.insertExposure.run(x.model, x.version, x.arm, x.unit, x.first, x.lastHour).changes !== 0) {
      arrivals.bump(x, x.first, 1);
      return true;
    }
    const row = s.findExposure.get(x.model, x.version, x.arm, x.unit) as { first_ts: number; last_hour: number };
    const changed = arrivals.merge(x, { first: Number(row.first_ts), lastHour: Number(row.last_hour) });
    if (changed) s.updateExposure.run(changed.first, changed.lastHour, x.model, x.version, x.arm, x.unit);
    return false;
  };
  let whole = true;
  // take() groups exposures by (model, version, arm). Per run of one series in first-ts order:
  // the first-ts index is appended to (new units are recent), where in unit order its inserts
  // land at random, which cost more than the key's (54,403 new units in one flush, in-process:
  // 3.1 µs a row in first-ts order, 4.0–5.6 in unit order, the key's order; take() gives them
  // nearly in first-ts order already, which the sort finds in one pass).
  for (let start = 0; start < exposures.length; ) {
    const head = exposures[start]!;
    let end = start + 1;
    while (end < exposures.length && exposures[end]!.arm === head.arm && exposures[end]!.version === head.version && exposures[end]!.model === head.model) end++;
    const run = exposures.slice(start, end).sort(byFirst);
    start = end;
    for (let c = 0; c < run.length; ) {
      const n = CHUNKS.find((k) => k <= run.length - c) ?? 1;
      if (whole && n > 1) {
        params.length = 3;
        params[0] = head.model;
        params[1] = head.version;
        params[2] = head.arm;
        for (let k = c; k < c + n; k++) params.push(run[k]!.unit, run[k]!.first, run[k]!.lastHour);
        s.savepoint.run();
        if (many(n).run(...params).changes === n) {
          s.release.run();
          for (let k = c; k < c + n; k++) arrivals.bump(run[k]!, run[k]!.first, 1);
          c += n;
          continue;
        }
        s.rollback.run();
        s.release.run();
      }
      whole = true;
      for (let k = c; k < c + n; k++) if (!one(run[k]!)) whole = false;
      c += n;
    }
  }
  for (const a of arrivals.rows()) s.addArrivals.run(a.model, a.bucket_ms, a.bucket_start, a.version, a.arm, a.units);
}
