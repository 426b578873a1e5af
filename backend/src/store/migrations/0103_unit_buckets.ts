import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrement, type SqlDialect } from './dialect-helpers.ts';

/**
 * Unit buckets and exposures (issue 13; monitor/unit-store.ts): what experiment results
 * analysed by unit read instead of grouping a window's predictions by unit.
 * - `unit_buckets`: per (model, version, arm, minute / hour / day) the sums of the unit
 *   counters per hash bucket of the unit id, one blob; added to by the flush.
 * - `unit_exposures`: per (model, version, arm, unit) the first ts and the last hour seen;
 *   indexed by first ts (the units first seen in a partial hour; those seen before a window).
 * - `unit_arrivals`: per (model, version, arm, hour / day) how many units were first seen in
 *   it, so a window's new units are a sum over its days and hours.
 */
export const unitBucketsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
    await db.schema
      .createTable('unit_buckets')
      .addColumn('seq', 'integer', autoIncrement(dialect))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('sums', blob, (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('unit_buckets_key')
      .on('unit_buckets')
      .columns(['model', 'bucket_ms', 'bucket_start', 'version', 'arm'])
      .unique()
      .execute();
    let exposures = db.schema
      .createTable('unit_exposures')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('unit_id', 'text', (c) => c.notNull())
      .addColumn('first_ts', 'bigint', (c) => c.notNull())
      .addColumn('last_hour', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('unit_exposures_pk', ['model', 'version', 'arm', 'unit_id']);
    // SQLite: the primary key is the table (no rowid lookups behind it).
    if (dialect === 'sqlite') exposures = exposures.modifyEnd(sql`without rowid`);
    await exposures.execute();
    // Covering: the counts read the index only.
    await db.schema
      .createIndex('unit_exposures_first')
      .on('unit_exposures')
      .columns(['model', 'version', 'arm', 'first_ts', 'last_hour'])
      .execute();
    // Hour and day rows (a window's whole days read one row each); SQLite: the key is the table.
    let arrivals = db.schema
      .createTable('unit_arrivals')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('units', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('unit_arrivals_pk', ['model', 'bucket_ms', 'bucket_start', 'version', 'arm']);
    if (dialect === 'sqlite') arrivals = arrivals.modifyEnd(sql`without rowid`);
    await arrivals.execute();
  },
});
