/**
 * Reads of raw prediction rows (table `predictions`): the training export and traffic
 * samples. Raw rows have no time index (ingest speed): the time spans of their batches
 * (`ingest_batches`) say which row ranges hold a window's records.
 */
import { sql } from 'kysely';
import type { Store } from '../store/database.ts';

/** Where one batch's predictions are: its row range, time span and record count. */
export interface BatchSpan {
  minSeq: number;
  maxSeq: number;
  minTs: number;
  maxTs: number;
  records: number;
}

/** The spans of a model's prediction batches that meet [from, to), by their first ts. */
export async function predictionBatchSpans(store: Store, model: string, from: number, to: number): Promise<BatchSpan[]> {
  const rows = await store.db
    .selectFrom('ingest_batches')
    .select(['min_seq', 'max_seq', 'min_ts', 'max_ts', 'records'])
    .where('model', '=', model)
    .where('kind', '=', 'predictions')
    .where('max_ts', '>=', from)
    .where('min_ts', '<', to)
    .orderBy('min_ts')
    .execute();
  return rows.flatMap((b) =>
    b.min_seq === null || b.max_seq === null
      ? []
      : [{ minSeq: Number(b.min_seq), maxSeq: Number(b.max_seq), minTs: Number(b.min_ts), maxTs: Number(b.max_ts), records: Number(b.records) }],
  );
}

/** Disjoint, sorted row ranges holding a model's predictions with ts in [from, to). */
export async function predictionRowRanges(store: Store, model: string, from: number, to: number): Promise<[number, number][]> {
  const spans = await predictionBatchSpans(store, model, from, to);
  return mergeRanges(spans.map((s) => [s.minSeq, s.maxSeq]));
}

/** Union of closed integer ranges, as sorted disjoint ranges. */
export function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, z] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], z);
    else out.push([a, z]);
  }
  return out;
}

/** Which outcome makes a prediction's label (export-labelled-rows.ts). */
export type LabelSource = 'click' | 'conversion' | 'label';

export interface LabelledPredictionRow {
  seq: number;
  ts: number;
  version: string;
  features: Uint8Array | null;
  extra: string | null;
  /** The label source's stored value (null: none). */
  value: number | null;
}

/** Predictions in rows [first, last] with ts in [from, to) that have a `label` outcome. */
export async function labelledPredictions(
  store: Store,
  model: string,
  [first, last]: readonly [number, number],
  [from, to]: readonly [number, number],
  label: LabelSource,
): Promise<LabelledPredictionRow[]> {
  let query = store.db
    .selectFrom('predictions')
    .select(['seq', 'ts', 'version', 'features', 'extra', 'impression', 'click', 'conversion', 'label'])
    .where('seq', '>=', first)
    .where('seq', '<=', last)
    .where('model', '=', model)
    .where('ts', '>=', from)
    .where('ts', '<', to);
  if (label === 'label') query = query.where('label', 'is not', null);
  else if (label === 'click') query = query.where((eb) => eb.or([eb('impression', '>', 0), eb('click', '>', 0)]));
  else query = query.where('click', '>', 0);
  return (await query.execute()).map((r) => ({
    seq: Number(r.seq),
    ts: Number(r.ts),
    version: r.version,
    features: r.features,
    extra: r.extra,
    value: label === 'label' ? r.label : label === 'click' ? r.click : r.conversion,
  }));
}

export interface PredictionWindow {
  from: number;
  to: number;
  /** Only this version's predictions (default: all). */
  version?: string | undefined;
}

function predictionsIn(store: Store, model: string, [first, last]: readonly [number, number], w: PredictionWindow) {
  let query = store.db
    .selectFrom('predictions')
    .where('seq', '>=', first)
    .where('seq', '<=', last)
    .where('model', '=', model)
    .where('ts', '>=', w.from)
    .where('ts', '<', w.to);
  if (w.version !== undefined) query = query.where('version', '=', w.version);
  return query;
}

/** How many predictions in rows [first, last] fall in the window. */
export async function countPredictions(store: Store, model: string, rows: readonly [number, number], w: PredictionWindow): Promise<number> {
  const { n } = await predictionsIn(store, model, rows, w)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** The stored features of the window's predictions in rows [first, last], every `stride`-th row, in row order. */
export async function predictionFeatures(
  store: Store,
  model: string,
  rows: readonly [number, number],
  w: PredictionWindow,
  stride: number,
): Promise<{ features: Uint8Array | null; extra: string | null }[]> {
  let query = predictionsIn(store, model, rows, w).select(['features', 'extra']);
  if (stride > 1) query = query.where(sql<boolean>`seq % ${stride} = 0`);
  return query.orderBy('seq').execute();
}
