/**
 * Rollup totals of closed hours (before the previous hour) and of closed minutes (up to the
 * last two), per model and range, reused for `ttlMs` of wall time: reading 30 days of
 * rollups (sketches included) is the expensive part of the results, and closed buckets only
 * change through late outcomes, which show up within the TTL (experiment-results.ts).
 * Bounded: the entry read longest ago goes first.
 */
import type { ArmCounts } from './metric-catalog.ts';

/** Counters per (version, arm) series. */
export type SeriesCounts = Map<string, ArmCounts>;

const DEFAULT_MAX_ENTRIES = 256;

export class ClosedTotalsCache<V = SeriesCounts> {
  readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  /** ttlMs 0: nothing is cached. */
  constructor(ttlMs: number, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(key: string, read: () => Promise<V>): Promise<V> {
    const wall = Date.now();
    let hit = this.entries.get(key);
    if (!hit || wall - hit.at > this.ttlMs) {
      hit = { at: wall, value: read() };
      hit.value.catch(() => this.entries.delete(key));
      // Re-inserted when read again, so the first key is the one read longest ago.
      this.entries.delete(key);
      this.entries.set(key, hit);
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return hit.value;
  }
}
