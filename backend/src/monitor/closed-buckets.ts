/**
 * Stored rollup rows of closed buckets, cached per query scope, so that drift and health,
 * evaluated every few seconds (gauges, alert rules, the app), read only the new minutes.
 *
 * One entry per (scope, bucket size, bucket start), not per window: drift and health windows
 * slide by a minute, but a bucket's stored sums do not depend on the window, so a bucket
 * read once serves every window that covers it. Each read still plans as before (hour rows
 * where hours fit, minute rows at the edges, hour rows before the retention horizon) and only
 * looks its buckets up, so the cached path adds the same rows as the uncached one (histograms
 * are counts: sums per bucket then per window equal sums per window).
 *
 * Only stored rows are cached: this process's unflushed rollups are read every time, as
 * before, and each flush drops the entries of the buckets it writes (when it starts), so this
 * process's late records and outcomes show at once. Another replica's writes to a cached
 * bucket show when the entry's TTL ends (closed buckets: minutes before the last two, hours
 * before the previous one, which other replicas' flushes seldom reach).
 *
 * Bounded by the numbers held (histogram cells, counters); the entry read longest ago goes first.
 */
import { HOUR_MS, MINUTE_MS, type Rollup } from './rollup.ts';

/** The current minute and the one before are read fresh: the monitor may still be adding to them. */
export const FRESH_MINUTES = 2;

const DEFAULT_MAX_CELLS = 4_000_000;

interface Entry<V> {
  at: number;
  value: V;
  cells: number;
  bucket: string;
}

export class ClosedBuckets<V> {
  readonly ttlMs: number;
  private readonly maxCells: number;
  private readonly cellsOf: (v: V) => number;
  private readonly entries = new Map<string, Entry<V>>();
  /** model \0 bucketMs \0 bucketStart → keys of the entries of that bucket (for a flush's invalidation). */
  private readonly byBucket = new Map<string, Set<string>>();
  private cells = 0;

  /** ttlMs 0: nothing is cached. */
  constructor(ttlMs: number, cellsOf: (v: V) => number, maxCells = DEFAULT_MAX_CELLS) {
    this.ttlMs = ttlMs;
    this.cellsOf = cellsOf;
    this.maxCells = maxCells;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Entries held (tests). */
  get size(): number {
    return this.entries.size;
  }

  get(model: string, scope: string, bucketMs: number, start: number): V | undefined {
    const key = entryKey(model, scope, bucketMs, start);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at > this.ttlMs) {
      this.remove(key);
      return undefined;
    }
    return hit.value;
  }

  set(model: string, scope: string, bucketMs: number, start: number, value: V): void {
    if (!this.enabled) return;
    const key = entryKey(model, scope, bucketMs, start);
    this.remove(key);
    const bucket = bucketKey(model, bucketMs, start);
    const cells = this.cellsOf(value) + 1;
    this.entries.set(key, { at: Date.now(), value, cells, bucket });
    this.cells += cells;
    let keys = this.byBucket.get(bucket);
    if (!keys) this.byBucket.set(bucket, (keys = new Set()));
    keys.add(key);
    while (this.cells > this.maxCells && this.entries.size > 0) this.remove(this.entries.keys().next().value!);
  }

  /** A flush is writing these rollups (minute rollups and the hours they add to): their buckets are read again. */
  flushing(rollups: readonly Rollup[]): void {
    if (this.entries.size === 0) return;
    for (const r of rollups) {
      this.dropBucket(bucketKey(r.model, r.bucketMs, r.bucketStart));
      if (r.bucketMs === MINUTE_MS) this.dropBucket(bucketKey(r.model, HOUR_MS, Math.floor(r.bucketStart / HOUR_MS) * HOUR_MS));
    }
  }

  private dropBucket(bucket: string): void {
    const keys = this.byBucket.get(bucket);
    if (!keys) return;
    for (const key of [...keys]) this.remove(key);
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.cells -= e.cells;
    const keys = this.byBucket.get(e.bucket);
    keys?.delete(key);
    if (keys?.size === 0) this.byBucket.delete(e.bucket);
  }
}

const entryKey = (model: string, scope: string, bucketMs: number, start: number) => `${model}\u0000${scope}\u0000${bucketMs}\u0000${start}`;
const bucketKey = (model: string, bucketMs: number, start: number) => `${model}\u0000${bucketMs}\u0000${start}`;
