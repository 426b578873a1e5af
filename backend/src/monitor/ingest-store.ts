/**
 * Durable writes of ingest batches: raw rows, an `ingest_batches` row (row range, time span)
 * and a `monitor_pending` row naming the batch, in one transaction. The pending row stays until the batch's contributions are in the
 * `rollups` table (deleted in the flush transaction), so a process that dies in between
 * loses nothing: its pending batches are replayed from their raw rows (ingest-journal.ts).
 *
 * Outcomes join their prediction by id. A prediction row carries the latest outcome state;
 * an outcome sets fields (impression, click, conversion, label) and what it adds to the
 * rollup is the change of state — so an outcome sent twice (a retry) counts once, and an
 * impression first and a click later make one impression and one click. The outcome row
 * records the deltas and where they went (the prediction's version, arm and time), so a
 * replay needs no lookups. An outcome for an unknown prediction id gets no delta (null); the
 * monitor parks it until its prediction lands (outcome-parking.ts).
 *
 * Two writers with one behaviour: KyselyIngestWriter (both dialects; PostgreSQL in
 * production) and SqliteIngestWriter (ingest-store-sqlite.ts, node:sqlite prepared
 * statements, the fast path on SQLite).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/database.ts';
import type { FeatureEncoder } from './feature-codec.ts';
import type { OutcomeRecord, PredictionRecord } from './ingest-records.ts';

export interface PredictionWriteResult {
  batch: number;
  /** Positions (in the given array) of records whose id was already stored. */
  duplicates: number[];
  /**
   * true: the write's transaction saw no parked outcome of the model, so none can wait for
   * these predictions (a parker checks the predictions after their commit): no join needed.
   * Absent: unknown, join (outcome-parking.ts).
   */
  nothingParked?: boolean;
}

export interface OutcomeState {
  version: string;
  arm: string;
  ts: number;
  impression: number | null;
  click: number | null;
  conversion: number | null;
  label: number | null;
  /** The prediction's unit (monitor/unit-buckets.ts); absent or null without one. */
  unitId?: string | null;
  /** The prediction's score (the rollup's label histograms); absent or null without one. */
  score?: number | null;
}

export interface OutcomeDelta {
  version: string;
  arm: string;
  predictionTs: number;
  impressions: number;
  clicks: number;
  conversions: number;
  labelled: number;
  positives: number;
  /** The prediction's unit, when the writer knows it (the unit buckets count the delta there). */
  unitId?: string | null;
  /** The prediction's score, where the label goes in the label histograms (rollup.ts addLabel). */
  score?: number | null;
  /** ms from the prediction to its first label (labelDelay); null when this is not its first label. */
  labelDelayMs?: number | null;
}

/** The delay an outcome adds: to its prediction's first label only (dLabelled = 1). */
export const labelDelay = (dLabelled: number, outcomeTs: number, predictionTs: number): number | null =>
  dLabelled === 1 ? Math.max(0, outcomeTs - predictionTs) : null;

export interface OutcomeWriteResult {
  batch: number;
  /** Per given record: its delta, or null when no prediction has its id. */
  deltas: Array<OutcomeDelta | null>;
}

/** One ingest request's valid records, written by this process (`instance`). */
export interface RecordBatch<R> {
  model: string;
  instance: string;
  records: readonly R[];
  receivedAt: number;
}

export interface PredictionBatch extends RecordBatch<PredictionRecord> {
  /** Encodes the records' numeric features (feature-codec.ts). */
  encoder: FeatureEncoder;
}

export interface IngestWriter {
  writePredictions(batch: PredictionBatch): Promise<PredictionWriteResult>;
  writeOutcomes(batch: RecordBatch<OutcomeRecord>): Promise<OutcomeWriteResult>;
}

/** The stored error text of a prediction (null: none). */
export const errorText = (error: true | string | null): string | null => (error === null ? null : error === true ? 'true' : error);

const n0 = (v: number | null): number => v ?? 0;

/**
 * Applies an outcome to a prediction's outcome state: fields present in the outcome replace
 * the state's; returns the new state and what changed (the rollup delta).
 */
export function applyOutcome(state: OutcomeState, o: OutcomeRecord): { next: OutcomeState; delta: OutcomeDelta } {
  const next: OutcomeState = {
    version: state.version,
    arm: state.arm,
    ts: state.ts,
    impression: o.impression ?? state.impression,
    click: o.click ?? state.click,
    conversion: o.conversion ?? state.conversion,
    label: o.label ?? state.label,
    unitId: state.unitId ?? null,
    score: state.score ?? null,
  };
  const labelled = (next.label === null ? 0 : 1) - (state.label === null ? 0 : 1);
  return {
    next,
    delta: {
      version: state.version,
      arm: state.arm,
      predictionTs: state.ts,
      impressions: n0(next.impression) - n0(state.impression),
      clicks: n0(next.click) - n0(state.click),
      conversions: n0(next.conversion) - n0(state.conversion),
      labelled,
      positives: (next.label === 1 ? 1 : 0) - (state.label === 1 ? 1 : 0),
      unitId: state.unitId ?? null,
      score: state.score ?? null,
      labelDelayMs: labelDelay(labelled, o.ts, state.ts),
    },
  };
}

/** Row of an outcome event. */
export function outcomeRow(model: string, o: OutcomeRecord, d: OutcomeDelta, batch: number, receivedAt: number) {
  return {
    model,
    id: o.id,
    ts: o.ts,
    version: d.version,
    arm: d.arm,
    prediction_ts: d.predictionTs,
    impression: o.impression,
    click: o.click,
    conversion: o.conversion,
    label: o.label,
    d_impressions: d.impressions,
    d_clicks: d.clicks,
    d_conversions: d.conversions,
    d_labelled: d.labelled,
    d_positives: d.positives,
    batch,
    received_at: receivedAt,
  };
}

// Parameters per statement stay under SQLite's 32,766 and PostgreSQL's 65,535.
const PREDICTION_CHUNK = 2000;
const OUTCOME_CHUNK = 1500;
const LOOKUP_CHUNK = 5000;

export class KyselyIngestWriter implements IngestWriter {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async writePredictions({ model, instance, records, receivedAt, encoder }: PredictionBatch): Promise<PredictionWriteResult> {
    // Rows are built before the first await: the encoder's buffer is shared.
    const values = records.map((r) => {
      const extra = encoder.encode(r.features);
      return {
        model,
        id: r.id,
        ts: r.ts,
        version: r.version,
        arm: r.arm,
        features: Buffer.from(encoder.bytes),
        extra,
        score: r.score,
        latency_ms: r.latencyMs,
        error: errorText(r.error),
        unit_id: r.unitId,
        received_at: receivedAt,
      };
    });
    // Inserted in id order: two replicas inserting overlapping ids (a retry sent to both)
    // then wait on each other in one order instead of deadlocking.
    values.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.store.db.transaction().execute(async (trx) => {
      const batch = await openBatch(trx, instance, 'predictions', model, receivedAt);
      const inserted = new Map<string, number>();
      for (let start = 0; start < values.length; start += PREDICTION_CHUNK) {
        const rows = await trx
          .insertInto('predictions')
          .values(values.slice(start, start + PREDICTION_CHUNK).map((v) => ({ ...v, batch })))
          .onConflict((oc) => oc.columns(['model', 'id']).doNothing())
          .returning(['id', 'seq'])
          .execute();
        for (const row of rows) inserted.set(row.id, Number(row.seq));
      }
      const range = new BatchRange();
      const duplicates: number[] = [];
      records.forEach((r, i) => {
        const seq = inserted.get(r.id);
        if (seq === undefined) duplicates.push(i);
        else range.add(seq, r.ts);
      });
      await closeBatch(trx, batch, range);
      return { batch, duplicates };
    });
  }

  writeOutcomes(batch: RecordBatch<OutcomeRecord>): Promise<OutcomeWriteResult> {
    return this.store.db.transaction().execute((trx) => writeOutcomesIn(trx, this.store.dialect === 'postgres', batch));
  }
}

/**
 * Joins outcomes to their predictions and writes them as one batch inside the caller's
 * transaction (the Kysely writer's, or a join of parked outcomes: monitor/parking-store.ts).
 */
export async function writeOutcomesIn(
  trx: Transaction<Database>,
  postgres: boolean,
  { model, instance, records, receivedAt }: RecordBatch<OutcomeRecord>,
): Promise<OutcomeWriteResult> {
  const batch = await openBatch(trx, instance, 'outcomes', model, receivedAt);
  const ids = [...new Set(records.map((r) => r.id))];
  const states = new Map<string, OutcomeState>();
  for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
    let q = trx
      .selectFrom('predictions')
      .select(['id', 'version', 'arm', 'ts', 'impression', 'click', 'conversion', 'label', 'unit_id', 'score'])
      .where('model', '=', model)
      .where('id', 'in', ids.slice(start, start + LOOKUP_CHUNK));
    // Row locks: replicas updating one prediction's outcome state take turns.
    if (postgres) q = q.forUpdate();
    for (const row of await q.execute()) {
      states.set(row.id, {
        version: row.version,
        arm: row.arm,
        ts: Number(row.ts),
        impression: row.impression,
        click: row.click,
        conversion: row.conversion,
        label: row.label,
        unitId: row.unit_id,
        score: row.score,
      });
    }
  }
  const deltas: Array<OutcomeDelta | null> = [];
  const rows: ReturnType<typeof outcomeRow>[] = [];
  const changed = new Set<string>();
  for (const o of records) {
    const state = states.get(o.id);
    if (!state) {
      deltas.push(null);
      continue;
    }
    const { next, delta } = applyOutcome(state, o);
    states.set(o.id, next);
    changed.add(o.id);
    deltas.push(delta);
    rows.push(outcomeRow(model, o, delta, batch, receivedAt));
  }
  const range = new BatchRange();
  for (let start = 0; start < rows.length; start += OUTCOME_CHUNK) {
    const chunk = rows.slice(start, start + OUTCOME_CHUNK);
    const inserted = await trx.insertInto('outcomes').values(chunk).returning('seq').execute();
    inserted.forEach((row, i) => range.add(Number(row.seq), chunk[i]!.ts));
  }
  await updateOutcomeStates(trx, postgres, model, [...changed].map((id) => [id, states.get(id)!] as const), receivedAt);
  await closeBatch(trx, batch, range);
  return { batch, deltas };
}

/** Row range and time span of a batch's accepted records. */
export class BatchRange {
  minSeq = Number.POSITIVE_INFINITY;
  maxSeq = Number.NEGATIVE_INFINITY;
  minTs = Number.POSITIVE_INFINITY;
  maxTs = Number.NEGATIVE_INFINITY;
  records = 0;

  add(seq: number, ts: number): void {
    if (seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    this.records++;
  }
}

async function openBatch(trx: Transaction<Database>, instance: string, kind: string, model: string, now: number): Promise<number> {
  const row = await trx
    .insertInto('ingest_batches')
    .values({ model, kind, created_at: now, records: 0 })
    .returning('batch')
    .executeTakeFirstOrThrow();
  const batch = Number(row.batch);
  await trx.insertInto('monitor_pending').values({ batch, instance, created_at: now }).execute();
  return batch;
}

async function closeBatch(trx: Transaction<Database>, batch: number, r: BatchRange): Promise<void> {
  if (r.records === 0) return;
  await trx
    .updateTable('ingest_batches')
    .set({ min_seq: r.minSeq, max_seq: r.maxSeq, min_ts: r.minTs, max_ts: r.maxTs, records: r.records })
    .where('batch', '=', batch)
    .execute();
}

/** PostgreSQL: one UPDATE … FROM (VALUES …) per chunk; SQLite: one UPDATE per prediction. */
async function updateOutcomeStates(
  db: Kysely<Database>,
  postgres: boolean,
  model: string,
  states: ReadonlyArray<readonly [string, OutcomeState]>,
  now: number,
): Promise<void> {
  if (!postgres) {
    for (const [id, s] of states) {
      await db
        .updateTable('predictions')
        .set({ impression: s.impression, click: s.click, conversion: s.conversion, label: s.label, outcome_at: now })
        .where('model', '=', model)
        .where('id', '=', id)
        .execute();
    }
    return;
  }
  const CHUNK = 1000;
  for (let start = 0; start < states.length; start += CHUNK) {
    const values = states.slice(start, start + CHUNK).map(
      ([id, s]) =>
        sql`(${id}, cast(${s.impression} as double precision), cast(${s.click} as double precision), cast(${s.conversion} as double precision), cast(${s.label} as integer))`,
    );
    await sql`
      update predictions set
        impression = v.impression, click = v.click, conversion = v.conversion, label = v.label, outcome_at = ${now}
      from (values ${sql.join(values)}) as v(id, impression, click, conversion, label)
      where predictions.model = ${model} and predictions.id = v.id`.execute(db);
  }
}
