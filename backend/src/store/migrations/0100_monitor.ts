import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { autoIncrement, type SqlDialect } from './dialect-helpers.ts';

/**
 * Monitoring tables (issue 3):
 * - `predictions`, `outcomes`: raw records, durable before an ingest reply. A prediction row
 *   also carries the latest outcome state (impression, click, conversion, label) so outcome
 *   ingest can compute deltas and datasets can be exported without a join. An outcome row is
 *   an event with the deltas it added and where (its prediction's version, arm, time), so a
 *   replay after a crash needs no lookups.
 * - `rollups`: merged counters, sketches and histograms per (model, version, arm, bucket, layout),
 *   one row per key, for minute and hour buckets; updated in place by adding.
 * - `ingest_batches`: every batch's row range and time span; `monitor_pending`: batches whose
 *   contributions are not yet in `rollups` (replayed when their process died);
 *   `monitor_instances`: live processes (heartbeats); `feature_layouts`: the names of the
 *   binary feature vectors in `predictions.features` (monitor/feature-codec.ts).
 * - `reference_profiles`: one profile per model version.
 */
export const monitorMigration = (dialect: SqlDialect): Migration => ({
  async up(db: Kysely<any>) {
    const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
    // Row numbers of raw records: SQLite's rowid (no AUTOINCREMENT bookkeeping on the hot
    // path), a bigint identity on PostgreSQL (billions of records).
    const rowSeq = dialect === 'sqlite' ? 'integer' : 'bigint';
    const rowSeqColumn = (c: ColumnDefinitionBuilder) =>
      dialect === 'sqlite' ? c.primaryKey() : c.primaryKey().generatedByDefaultAsIdentity();
    await db.schema
      .createTable('predictions')
      .addColumn('seq', rowSeq, rowSeqColumn)
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('features', blob)
      .addColumn('extra', 'text')
      .addColumn('score', 'double precision')
      .addColumn('latency_ms', 'double precision')
      .addColumn('error', 'text')
      .addColumn('batch', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('impression', 'double precision')
      .addColumn('click', 'double precision')
      .addColumn('conversion', 'double precision')
      .addColumn('label', 'integer')
      .addColumn('outcome_at', 'bigint')
      .execute();
    await db.schema.createIndex('predictions_model_id').on('predictions').columns(['model', 'id']).unique().execute();

    await db.schema
      .createTable('outcomes')
      .addColumn('seq', rowSeq, rowSeqColumn)
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('prediction_ts', 'bigint', (c) => c.notNull())
      .addColumn('impression', 'double precision')
      .addColumn('click', 'double precision')
      .addColumn('conversion', 'double precision')
      .addColumn('label', 'integer')
      .addColumn('d_impressions', 'double precision', (c) => c.notNull())
      .addColumn('d_clicks', 'double precision', (c) => c.notNull())
      .addColumn('d_conversions', 'double precision', (c) => c.notNull())
      .addColumn('d_labelled', 'double precision', (c) => c.notNull())
      .addColumn('d_positives', 'double precision', (c) => c.notNull())
      .addColumn('batch', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();

    const rollups = db.schema
      .createTable('rollups')
      .addColumn('seq', 'integer', autoIncrement(dialect))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('arm', 'text', (c) => c.notNull())
      .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('layout', 'text', (c) => c.notNull().defaultTo(''));
    let table = rollups;
    for (const counter of [
      'requests',
      'errors',
      'impressions',
      'clicks',
      'conversions',
      'labelled',
      'positives',
      'score_count',
      'score_sum',
      'score_sum_sq',
      'latency_count',
      'latency_sum',
    ]) {
      table = table.addColumn(counter, 'double precision', (c) => c.notNull().defaultTo(0));
    }
    await table
      .addColumn('latency', blob)
      .addColumn('score_hist', blob)
      .addColumn('features', blob)
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('rollups_key')
      .on('rollups')
      .columns(['model', 'bucket_ms', 'bucket_start', 'version', 'arm', 'layout'])
      .unique()
      .execute();

    await db.schema
      .createTable('reference_profiles')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('layout', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('rows', 'bigint', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('reference_profiles_pk', ['model', 'version'])
      .execute();

    // Every ingest batch, for ever: its row range and time span. Time-range reads of raw
    // records (profiles from traffic, dataset exports) find their rows through it, so the
    // raw tables need no time index on the ingest hot path.
    await db.schema
      .createTable('ingest_batches')
      .addColumn('batch', 'integer', autoIncrement(dialect))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('min_seq', 'bigint')
      .addColumn('max_seq', 'bigint')
      .addColumn('min_ts', 'bigint')
      .addColumn('max_ts', 'bigint')
      .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ingest_batches_model_time').on('ingest_batches').columns(['model', 'kind', 'max_ts']).execute();
    await db.schema
      .createTable('monitor_pending')
      .addColumn('batch', 'bigint', (c) => c.primaryKey())
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('monitor_pending_instance').on('monitor_pending').column('instance').execute();

    await db.schema
      .createTable('feature_layouts')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('layout_id', 'bigint', (c) => c.notNull())
      .addColumn('names', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('feature_layouts_pk', ['model', 'layout_id'])
      .execute();

    await db.schema
      .createTable('monitor_instances')
      .addColumn('instance', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .execute();
  },
});
