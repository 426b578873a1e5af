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
import { ArrivalCounts, byKey, decodeSums, encodeSums } from './unit-store.ts';

interface Statements {
  insertBlock: StatementSync;
  findBlock: StatementSync;
  updateBlock: StatementSync;
  insertExposure: StatementSync;
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

/** writeExposures on SQLite: a new row counts one arrival; an existing one is merged (ArrivalCounts.merge). */
export function writeExposuresSqlite(db: DatabaseSync, exposures: readonly Exposure[]): void {
  const s = statements(db);
  const arrivals = new ArrivalCounts();
  // In key order: about half the time of random order per new row (the key's B-tree pages stay hot).
  for (const x of [...exposures].sort(byKey)) {
    if (s.insertExposure.run(x.model, x.version, x.arm, x.unit, x.first, x.lastHour).changes !== 0) {
      arrivals.bump(x, x.first, 1);
      continue;
    }
    const row = s.findExposure.get(x.model, x.version, x.arm, x.unit) as {
      first_ts: number;
      last_hour: number;
    };
    const changed = arrivals.merge(x, {
      first: Number(row.first_ts),
      lastHour: Number(row.last_hour),
    });
    if (changed) s.updateExposure.run(changed.first, changed.lastHour, x.model, x.version, x.arm, x.unit);
  }
  for (const a of arrivals.rows()) s.addArrivals.run(a.model, a.bucket_ms, a.bucket_start, a.version, a.arm, a.units);
}
