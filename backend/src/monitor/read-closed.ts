/**
 * collectRollups (read-rollups.ts) with the closed buckets of the plan taken from a
 * ClosedBuckets cache (closed-buckets.ts): the buckets not cached and the open tail are read
 * from the store in one consistent read with this process's unflushed rollups, as before.
 */
import type { ClosedBuckets } from './closed-buckets.ts';
import { FRESH_MINUTES } from './closed-buckets.ts';
import type { MonitorContext } from './monitor-context.ts';
import type { ResolutionPlan } from './queries.ts';
import { collectRollups, type RollupSelection } from './read-rollups.ts';
import { minutesReadFrom, readablePlan } from './retention-reads.ts';
import { HOUR_MS, MINUTE_MS, type Rollup } from './rollup.ts';
import type { RollupRow } from './rollup-store.ts';

/** More closed buckets than this in one read (e.g. from=0): read without the cache. */
const MAX_BUCKETS = 50_000;

export interface BucketValue<V> {
  start: number;
  value: V;
}

/** One bucket size's part of a read: closed buckets (ascending) then the open rows (ascending), as the store orders them. */
export interface SizePart<V> {
  closed: BucketValue<V>[];
  open: RollupRow[];
}

export interface ClosedRead<V> {
  hours: SizePart<V>;
  minutes: SizePart<V>;
  /** This process's unflushed rollups in the span (always read). */
  memory: Rollup[];
}

/**
 * The plan's stored rows, the closed buckets' as `toValue` of their rows (cached under
 * `scope`, which must name everything of `o` that selects rows), the open ones as rows.
 */
export async function collectWithClosed<V>(
  ctx: MonitorContext,
  cache: ClosedBuckets<V>,
  model: string,
  scope: string,
  plan: ResolutionPlan,
  span: readonly [number, number],
  o: RollupSelection,
  toValue: (rows: RollupRow[]) => V,
): Promise<ClosedRead<V>> {
  const now = ctx.now();
  const readable = readablePlan(plan, minutesReadFrom(now, ctx.minuteRollupsKeptMs));
  const hourEnd = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
  const minuteEnd = Math.floor(now / MINUTE_MS) * MINUTE_MS - FRESH_MINUTES * MINUTE_MS;
  const uncached = async (): Promise<ClosedRead<V>> => {
    const { rows, memory, hourRows } = await collectRollups(ctx, model, readable, span, o);
    return { hours: { closed: [], open: rows.slice(0, hourRows) }, minutes: { closed: [], open: rows.slice(hourRows) }, memory };
  };
  if (!cache.enabled || closedCount(readable.hours, HOUR_MS, hourEnd) + closedCount(readable.minutes, MINUTE_MS, minuteEnd) > MAX_BUCKETS) return uncached();
  for (let attempt = 0; ; attempt++) {
    const flushes = ctx.unflushed.flushStarts;
    const hours = lookUp(cache, model, scope, readable.hours, HOUR_MS, hourEnd);
    const minutes = lookUp(cache, model, scope, readable.minutes, MINUTE_MS, minuteEnd);
    const toRead: ResolutionPlan = { hours: joined([...hours.missing, ...hours.open]), minutes: joined([...minutes.missing, ...minutes.open]) };
    const { rows, memory, hourRows } = await collectRollups(ctx, model, toRead, span, o);
    // A flush begun meanwhile moved buffered rollups into buckets looked up before it (whose
    // entries it dropped) and which no longer are in the buffer: look up and read again.
    if (ctx.unflushed.flushStarts !== flushes) {
      if (attempt < 4) continue;
      return uncached();
    }
    return {
      hours: fill(cache, model, scope, hours, rows.slice(0, hourRows), HOUR_MS, hourEnd, toValue),
      minutes: fill(cache, model, scope, minutes, rows.slice(hourRows), MINUTE_MS, minuteEnd, toValue),
      memory,
    };
  }
}

interface Lookup<V> {
  cached: Map<number, V>;
  /** Closed bucket starts not cached. */
  missingStarts: number[];
  missing: [number, number][];
  open: [number, number][];
}

/** Bucket starts (multiples of size) in a range [a, b) of the plan. */
function firstStart(a: number, size: number): number {
  return Math.ceil(a / size) * size;
}

function closedCount(ranges: readonly [number, number][], size: number, end: number): number {
  let n = 0;
  for (const [a, b] of ranges) {
    const e = Math.min(b, end);
    if (e > a) n += Math.ceil((e - firstStart(a, size)) / size);
  }
  return n;
}

function lookUp<V>(cache: ClosedBuckets<V>, model: string, scope: string, ranges: readonly [number, number][], size: number, end: number): Lookup<V> {
  const out: Lookup<V> = { cached: new Map(), missingStarts: [], missing: [], open: [] };
  for (const [a, b] of ranges) {
    const e = Math.min(b, end);
    for (let s = firstStart(a, size); s < e; s += size) {
      const v = cache.get(model, scope, size, s);
      if (v !== undefined) out.cached.set(s, v);
      else {
        out.missingStarts.push(s);
        const last = out.missing[out.missing.length - 1];
        if (last && last[1] === s) last[1] = s + size;
        else out.missing.push([s, s + size]);
      }
    }
    const o = Math.max(a, e);
    if (b > o) out.open.push([o, b]);
  }
  return out;
}

/** Sorted union of disjoint ranges, adjacent ones joined. */
function joined(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of ranges.sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function fill<V>(
  cache: ClosedBuckets<V>,
  model: string,
  scope: string,
  l: Lookup<V>,
  rows: RollupRow[],
  size: number,
  end: number,
  toValue: (rows: RollupRow[]) => V,
): SizePart<V> {
  const closedRows = new Map<number, RollupRow[]>(l.missingStarts.map((s) => [s, []]));
  const open: RollupRow[] = [];
  for (const row of rows) {
    const s = Number(row.bucket_start);
    const list = s < end ? closedRows.get(s) : undefined;
    if (list) list.push(row);
    else open.push(row);
  }
  const values = new Map(l.cached);
  for (const [s, list] of closedRows) {
    const v = toValue(list);
    values.set(s, v);
    cache.set(model, scope, size, s, v);
  }
  const closed = [...values].sort((x, y) => x[0] - y[0]).map(([start, value]) => ({ start, value }));
  return { closed, open };
}
