/**
 * The deletes of a retention pass (retention.ts), each one short statement, so no long
 * transaction holds up ingest or flushes:
 * - raw records by ingest batch: a batch whose newest record is older than the cutoff (and
 *   that no process still has to replay: `monitor_pending`) loses its rows in chunks of row
 *   numbers (primary-key ranges), then its `ingest_batches` row;
 * - minute rows of `rollups` and `unit_buckets` older than the compaction horizon. Their hour
 *   (and day) rows, written in the same flush transaction (flush.ts), keep the sums.
 */
import type { Store } from '../store/database.ts';
import { MINUTE_MS } from './rollup.ts';

/** Row numbers per delete statement (at most this many rows each). */
const SEQ_CHUNK = 2000;
/** Batches listed per query. */
const BATCH_PAGE = 200;
/** Minute rows per delete statement. */
const MINUTE_CHUNK = 2000;

/**
 * Between statements: let timers and I/O run. On SQLite every statement runs synchronously and
 * resolves at once, so without this a pass over a backlog would hold the event loop (every
 * request) for its whole length instead of for one statement.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

const RAW_TABLE = { predictions: 'predictions', outcomes: 'outcomes' } as const;
type RawKind = keyof typeof RAW_TABLE;

/** Tables whose rows a pass deletes (the label of modelwatch_retention_deleted_rows_total). */
export type RetentionTable = 'predictions' | 'outcomes' | 'ingest_batches' | 'rollups' | 'unit_buckets';
export type DeletedRows = Record<RetentionTable, number>;

export const noneDeleted = (): DeletedRows => ({ predictions: 0, outcomes: 0, ingest_batches: 0, rollups: 0, unit_buckets: 0 });

/** The models whose rows to look at (retention works per model: every index it uses starts with the model), with their settings. */
export async function retentionModels(store: Store): Promise<{ name: string; settings: Record<string, unknown> }[]> {
  const rows = await store.db.selectFrom('models').select(['name', 'settings']).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, settings: parseSettings(r.settings) }));
}

function parseSettings(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Deletes a model's raw records of batches whose records are all older than `cutoff`. */
export async function expireRawRecords(store: Store, model: string, cutoff: number, deleted: DeletedRows): Promise<void> {
  for (const kind of Object.keys(RAW_TABLE) as RawKind[]) {
    for (;;) {
      const batches = await store.db
        .selectFrom('ingest_batches')
        .select(['batch', 'min_seq', 'max_seq'])
        .where('model', '=', model)
        .where('kind', '=', kind)
        .where((eb) => eb.or([eb('max_ts', '<', cutoff), eb.and([eb('max_ts', 'is', null), eb('created_at', '<', cutoff)])]))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('monitor_pending').select('batch').whereRef('monitor_pending.batch', '=', 'ingest_batches.batch'))))
        .orderBy('batch')
        .limit(BATCH_PAGE)
        .execute();
      if (batches.length === 0) break;
      for (const b of batches) {
        const batch = Number(b.batch);
        if (b.min_seq !== null && b.max_seq !== null) {
          const last = Number(b.max_seq);
          for (let from = Number(b.min_seq); from <= last; from += SEQ_CHUNK) {
            const r = await store.db
              .deleteFrom(RAW_TABLE[kind])
              .where('seq', '>=', from)
              .where('seq', '<=', Math.min(last, from + SEQ_CHUNK - 1))
              .where('batch', '=', batch)
              .executeTakeFirst();
            deleted[kind] += Number(r.numDeletedRows);
            await breathe();
          }
        }
        const r = await store.db.deleteFrom('ingest_batches').where('batch', '=', batch).executeTakeFirst();
        deleted.ingest_batches += Number(r.numDeletedRows);
        await breathe();
      }
      if (batches.length < BATCH_PAGE) break;
    }
  }
}

/** Deletes a model's minute rows of `rollups` and `unit_buckets` that start before `before`. */
export async function compactMinutes(store: Store, model: string, before: number, deleted: DeletedRows): Promise<void> {
  for (const table of ['rollups', 'unit_buckets'] as const) {
    for (;;) {
      const rows = await store.db
        .selectFrom(table)
        .select('seq')
        .where('model', '=', model)
        .where('bucket_ms', '=', MINUTE_MS)
        .where('bucket_start', '<', before)
        .orderBy('bucket_start')
        .limit(MINUTE_CHUNK)
        .execute();
      if (rows.length === 0) break;
      const r = await store.db
        .deleteFrom(table)
        .where('seq', 'in', rows.map((x) => Number(x.seq)))
        .executeTakeFirst();
      deleted[table] += Number(r.numDeletedRows);
      await breathe();
      if (rows.length < MINUTE_CHUNK) break;
    }
  }
}
