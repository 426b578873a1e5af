/**
 * Store size and row counts for /metrics (issue 20), read once per retention interval by every
 * replica (retention.ts), never per scrape. SQLite: exact `count(*)` and page_count × page_size.
 * PostgreSQL: the planner's row estimate (`pg_class.reltuples`, kept by autovacuum/ANALYZE;
 * `count(*)` of a large table would scan it) with an exact count for a table never analysed,
 * and `pg_database_size`.
 */
import { sql } from 'kysely';
import type { Store } from '../store/database.ts';

/** The tables that grow with traffic or time (docs/operations.md#retention). */
export const COUNTED_TABLES = [
  'predictions',
  'outcomes',
  'ingest_batches',
  'rollups',
  'unit_buckets',
  'unit_exposures',
  'outcome_parking',
  'audit',
  'job_logs',
] as const;
type CountedTable = (typeof COUNTED_TABLES)[number];

export interface StoreStats {
  rows: Map<CountedTable, number>;
  bytes: number;
}

export async function readStoreStats(store: Store): Promise<StoreStats> {
  const rows = new Map<CountedTable, number>();
  if (store.dialect === 'sqlite') {
    for (const table of COUNTED_TABLES) rows.set(table, await exactCount(store, table));
    const size = await sql<{ bytes: number }>`select page_count * page_size as bytes from pragma_page_count(), pragma_page_size()`.execute(store.db);
    return { rows, bytes: Number(size.rows[0]?.bytes ?? 0) };
  }
  const estimates = await sql<{ relname: string; reltuples: number }>`
    select relname, reltuples from pg_class
    where relkind = 'r' and relnamespace = current_schema()::regnamespace and relname in (${sql.join([...COUNTED_TABLES])})`.execute(store.db);
  const estimate = new Map(estimates.rows.map((r) => [r.relname, Number(r.reltuples)]));
  for (const table of COUNTED_TABLES) {
    const e = estimate.get(table);
    rows.set(table, e !== undefined && e >= 0 ? Math.round(e) : await exactCount(store, table));
  }
  const size = await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(store.db);
  return { rows, bytes: Number(size.rows[0]?.bytes ?? 0) };
}

async function exactCount(store: Store, table: CountedTable): Promise<number> {
  const r = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
