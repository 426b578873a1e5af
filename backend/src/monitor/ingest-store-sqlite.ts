/**
 * The SQLite fast path of IngestWriter (same behaviour as KyselyIngestWriter): node:sqlite
 * prepared statements run synchronously inside one BEGIN IMMEDIATE … COMMIT per batch,
 * while holding Kysely's connection, so no Kysely transaction can interleave. Measured in
 * bench/ingest (see the report there): Kysely builds, compiles and prepares each multi-row
 * INSERT anew, which costs more than the inserts themselves.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { statementsPerConnection } from '../store/sqlite-statements.ts';
import type { Store } from '../store/database.ts';
import type { OutcomeRecord, PredictionRecord } from './ingest-records.ts';
import {
  applyOutcome,
  BatchRange,
  errorText,
  type IngestWriter,
  type OutcomeDelta,
  type OutcomeState,
  type OutcomeWriteResult,
  type PredictionBatch,
  type PredictionWriteResult,
  type RecordBatch,
} from './ingest-store.ts';

interface Statements {
  openBatch: StatementSync;
  markPending: StatementSync;
  closeBatch: StatementSync;
  insertPrediction: StatementSync;
  findPrediction: StatementSync;
  insertOutcome: StatementSync;
  updateOutcomeState: StatementSync;
  anyParked: StatementSync;
}

const statements = statementsPerConnection<Statements>((db) => ({
  openBatch: db.prepare('insert into ingest_batches (model, kind, records, created_at) values (?, ?, 0, ?)'),
  markPending: db.prepare('insert into monitor_pending (batch, instance, created_at) values (?, ?, ?)'),
  closeBatch: db.prepare('update ingest_batches set min_seq = ?, max_seq = ?, min_ts = ?, max_ts = ?, records = ? where batch = ?'),
  insertPrediction: db.prepare(
    'insert into predictions (model, id, ts, version, arm, features, extra, score, latency_ms, error, unit_id, batch, received_at) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (model, id) do nothing',
  ),
  findPrediction: db.prepare(
    'select version, arm, ts, impression, click, conversion, label, unit_id, score from predictions where model = ? and id = ?',
  ),
  insertOutcome: db.prepare(
    'insert into outcomes (model, id, ts, version, arm, prediction_ts, impression, click, conversion, label, ' +
      'd_impressions, d_clicks, d_conversions, d_labelled, d_positives, batch, received_at) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  updateOutcomeState: db.prepare(
    'update predictions set impression = ?, click = ?, conversion = ?, label = ?, outcome_at = ? where model = ? and id = ?',
  ),
  anyParked: db.prepare('select 1 from outcome_parking where model = ? limit 1'),
}));

export class SqliteIngestWriter implements IngestWriter {
  private readonly store: Store;
  private readonly db: DatabaseSync;

  constructor(store: Store) {
    if (!store.sqlite) throw new Error('SqliteIngestWriter needs a SQLite store');
    this.store = store;
    this.db = store.sqlite;
    // The monitor is this connection's heavy writer. A larger WAL between checkpoints (10,000
    // pages ≈ 40 MB instead of 1,000) writes hot index pages back once instead of many times,
    // and a 32 MB page cache keeps the (model, id) index's inner pages: together ~1.4× the
    // insert rate per CPU-second in bench/ingest. Durability is unchanged (WAL, synchronous=NORMAL).
    this.db.exec('PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -32768;');
  }

  /** Runs fn inside BEGIN IMMEDIATE … COMMIT while holding Kysely's only connection. */
  private exclusive<T>(fn: (s: Statements) => T): Promise<T> {
    return this.store.db.connection().execute(async () => {
      const db = this.db;
      db.exec('begin immediate');
      try {
        const result = fn(statements(db));
        db.exec('commit');
        return result;
      } catch (error) {
        if (db.isTransaction) db.exec('rollback');
        throw error;
      }
    });
  }

  private open(s: Statements, model: string, kind: string, instance: string, now: number): number {
    const batch = Number(s.openBatch.run(model, kind, now).lastInsertRowid);
    s.markPending.run(batch, instance, now);
    return batch;
  }

  private close(s: Statements, batch: number, r: BatchRange): void {
    if (r.records > 0) s.closeBatch.run(r.minSeq, r.maxSeq, r.minTs, r.maxTs, r.records, batch);
  }

  writePredictions({ model, instance, records, receivedAt, encoder }: PredictionBatch): Promise<PredictionWriteResult> {
    return this.exclusive((s) => {
      const batch = this.open(s, model, 'predictions', instance, receivedAt);
      const duplicates: number[] = [];
      const range = new BatchRange();
      const insert = s.insertPrediction;
      const bytes = encoder.bytes;
      for (let i = 0; i < records.length; i++) {
        const r = records[i] as PredictionRecord;
        const extra = encoder.encode(r.features);
        const result = insert.run(
          model,
          r.id,
          r.ts,
          r.version,
          r.arm,
          bytes,
          extra,
          r.score,
          r.latencyMs,
          errorText(r.error),
          r.unitId,
          batch,
          receivedAt,
        );
        if (result.changes === 0) duplicates.push(i);
        else range.add(Number(result.lastInsertRowid), r.ts);
      }
      this.close(s, batch, range);
      // Inside the write lock: a parker that commits later sees these predictions and parks none
      // of their outcomes, so with none parked now the join (a transaction of its own) is skipped.
      return { batch, duplicates, nothingParked: s.anyParked.get(model) === undefined };
    });
  }

  writeOutcomes({ model, instance, records, receivedAt }: RecordBatch<OutcomeRecord>): Promise<OutcomeWriteResult> {
    return this.exclusive((s) => {
      const batch = this.open(s, model, 'outcomes', instance, receivedAt);
      const states = new Map<string, OutcomeState | null>();
      const deltas: Array<OutcomeDelta | null> = [];
      const range = new BatchRange();
      for (const o of records) {
        let state = states.get(o.id);
        if (state === undefined) {
          const row = s.findPrediction.get(model, o.id) as
            | { version: string; arm: string; ts: number; impression: number | null; click: number | null; conversion: number | null; label: number | null; unit_id: string | null; score: number | null }
            | undefined;
          state = row
            ? { version: row.version, arm: row.arm, ts: Number(row.ts), impression: row.impression, click: row.click, conversion: row.conversion, label: row.label, unitId: row.unit_id, score: row.score }
            : null;
        }
        if (state === null) {
          states.set(o.id, null);
          deltas.push(null);
          continue;
        }
        const { next, delta } = applyOutcome(state, o);
        states.set(o.id, next);
        deltas.push(delta);
        const seq = Number(
          s.insertOutcome.run(
            model,
            o.id,
            o.ts,
            delta.version,
            delta.arm,
            delta.predictionTs,
            o.impression,
            o.click,
            o.conversion,
            o.label,
            delta.impressions,
            delta.clicks,
            delta.conversions,
            delta.labelled,
            delta.positives,
            batch,
            receivedAt,
          ).lastInsertRowid,
        );
        range.add(seq, o.ts);
        s.updateOutcomeState.run(next.impression, next.click, next.conversion, next.label, receivedAt, model, o.id);
      }
      this.close(s, batch, range);
      return { batch, deltas };
    });
  }
}
