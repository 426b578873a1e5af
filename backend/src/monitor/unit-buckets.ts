/**
 * Per-unit sums kept as bucket totals, for experiments analysed by randomization unit
 * (issue 13; docs/concepts/ab-testing.md "Unit buckets").
 *
 * Every unit id hashes (a fixed hash, independent of the router's salted assignment hash)
 * into one of UNIT_BUCKETS buckets; per (model, version, arm, minute) the buffer keeps, for
 * each bucket touched, the sums of the unit counters (requests … scoreSum) of the units in
 * it. A unit's events in every minute land in its bucket, so summing a bucket over time is
 * exact: over any window the bucket totals X_b, Y_b are sums over whole units, and the
 * delta method over buckets (Σ_b X_b², Σ_b X_b·Y_b …) estimates the same Var(r̂) as over
 * units, with the error stated in unit-buckets.test.ts. The sums add across minutes,
 * flushes, replays and replicas; a read costs O(arms × buckets × time rows), not
 * O(predictions).
 *
 * Exposures (model, version, arm, unit → first ts, last hour seen) are kept beside them
 * for the exact distinct-unit counts of SRM (unit-store.ts).
 *
 * Like the rollup buffer (rollup-buffer.ts) this is process memory between ingest and flush;
 * what it holds is derived from durable raw rows, so a failed flush puts it back and a dead
 * process's batches are replayed into it (recover.ts).
 */
import { ROLLUP_COUNTER_FIELDS, type RollupCounterField } from '../core/rollup-counters.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';

/**
 * Buckets per (version, arm). 256 replicates put the bucket SE within a few per cent of the
 * per-unit SE (unit-buckets.test.ts) while a day row stays ~25 KB; more would cost storage
 * and read time for little gain in precision.
 */
export const UNIT_BUCKETS = 256;

/** The per-unit counters (the rollup counters but Σscore², which no ratio needs), in the order of a bucket's entry. */
export const UNIT_COLUMNS = ROLLUP_COUNTER_FIELDS.filter((f): f is Exclude<RollupCounterField, 'scoreSumSq'> => f !== 'scoreSumSq');

export type UnitColumn = (typeof UNIT_COLUMNS)[number];
export const UNIT_WIDTH = UNIT_COLUMNS.length;
export const COLUMN_INDEX = Object.fromEntries(UNIT_COLUMNS.map((c, i) => [c, i])) as Record<UnitColumn, number>;
export const DAY_MS = 24 * HOUR_MS;
const I = COLUMN_INDEX;

/** The bucket of a unit id: FNV-1a over its UTF-16 code units, mixed (murmur3's finaliser). */
export function unitBucket(unit: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % UNIT_BUCKETS;
}

/** Bucket → its UNIT_WIDTH sums (only buckets touched). */
export type BucketSums = Map<number, Float64Array>;

/** The bucket sums of one (model, version, arm) over one time block. */
export interface UnitBlock {
  model: string;
  version: string;
  arm: string;
  bucketMs: number;
  start: number;
  sums: BucketSums;
}

/** One unit's sightings in one (model, version, arm): first ts, and the start of the last hour seen. */
export interface Exposure {
  model: string;
  version: string;
  arm: string;
  unit: string;
  first: number;
  lastHour: number;
}

export interface UnitTaken {
  blocks: UnitBlock[];
  exposures: Exposure[];
}

/** What a prediction adds: the unit-carrying part of a PredictionRecord. */
export interface UnitPrediction {
  ts: number;
  version: string;
  arm: string;
  unitId: string | null;
  error: true | string | null;
  latencyMs: number | null;
  score: number | null;
}

/** What an outcome adds (an OutcomeDelta with its prediction's unit). */
export interface UnitOutcome {
  version: string;
  arm: string;
  predictionTs: number;
  unitId?: string | null | undefined;
  impressions: number;
  clicks: number;
  conversions: number;
  labelled: number;
  positives: number;
}

/** Most exposures remembered as written (beyond it the memory is cleared: only extra writes). */
const MAX_WRITTEN = 500_000;

export function addSums(into: BucketSums, from: BucketSums): void {
  for (const [b, v] of from) {
    const t = into.get(b);
    if (t) for (let i = 0; i < UNIT_WIDTH; i++) t[i]! += v[i]!;
    else into.set(b, Float64Array.from(v));
  }
}

export class UnitBucketBuffer {
  private blocks = new Map<string, UnitBlock>();
  private exposures = new Map<string, Exposure>();
  /** Exposure key → what this process last committed for it (to skip writes that change nothing). */
  private readonly written = new Map<string, { first: number; lastHour: number }>();
  private lastKey = '';
  private last: UnitBlock | null = null;

  private block(model: string, version: string, arm: string, ts: number): UnitBlock {
    const start = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    const key = `${model}\u0000${version}\u0000${arm}\u0000${start}`;
    if (this.last !== null && key === this.lastKey) return this.last;
    let b = this.blocks.get(key);
    if (b === undefined) {
      b = { model, version, arm, bucketMs: MINUTE_MS, start, sums: new Map() };
      this.blocks.set(key, b);
    }
    this.last = b;
    this.lastKey = key;
    return b;
  }

  private entry(model: string, version: string, arm: string, ts: number, unit: string): Float64Array {
    const sums = this.block(model, version, arm, ts).sums;
    const bucket = unitBucket(unit);
    let e = sums.get(bucket);
    if (e === undefined) sums.set(bucket, (e = new Float64Array(UNIT_WIDTH)));
    return e;
  }

  addPrediction(model: string, r: UnitPrediction): void {
    if (r.unitId === null) return;
    const e = this.entry(model, r.version, r.arm, r.ts, r.unitId);
    e[I.requests]! += 1;
    if (r.error !== null) e[I.errors]! += 1;
    if (r.latencyMs !== null) {
      e[I.latencyCount]! += 1;
      e[I.latencySum]! += r.latencyMs;
    }
    if (r.score !== null) {
      e[I.scoreCount]! += 1;
      e[I.scoreSum]! += r.score;
    }
    const key = `${model}\u0000${r.version}\u0000${r.arm}\u0000${r.unitId}`;
    const lastHour = Math.floor(r.ts / HOUR_MS) * HOUR_MS;
    const x = this.exposures.get(key);
    if (x === undefined) this.exposures.set(key, { model, version: r.version, arm: r.arm, unit: r.unitId, first: r.ts, lastHour });
    else {
      if (r.ts < x.first) x.first = r.ts;
      if (lastHour > x.lastHour) x.lastHour = lastHour;
    }
  }

  addOutcome(model: string, d: UnitOutcome): void {
    if (d.unitId === null || d.unitId === undefined) return;
    if (d.impressions === 0 && d.clicks === 0 && d.conversions === 0 && d.labelled === 0 && d.positives === 0) return;
    const e = this.entry(model, d.version, d.arm, d.predictionTs, d.unitId);
    e[I.impressions]! += d.impressions;
    e[I.clicks]! += d.clicks;
    e[I.conversions]! += d.conversions;
    e[I.labelled]! += d.labelled;
    e[I.positives]! += d.positives;
  }

  /** Removes and returns everything buffered (the flush writes it); exposures already committed as they are are dropped. */
  take(): UnitTaken {
    const blocks = [...this.blocks.values()];
    const exposures: Exposure[] = [];
    for (const [key, x] of this.exposures) {
      const w = this.written.get(key);
      if (w && w.first <= x.first && w.lastHour >= x.lastHour) continue;
      exposures.push(x);
    }
    this.blocks = new Map();
    this.exposures = new Map();
    this.last = null;
    return { blocks, exposures };
  }

  /** Adds taken sums back (a failed flush), merging with any buffered since. */
  restore(t: UnitTaken): void {
    for (const b of t.blocks) {
      const key = `${b.model}\u0000${b.version}\u0000${b.arm}\u0000${b.start}`;
      const existing = this.blocks.get(key);
      if (existing) addSums(existing.sums, b.sums);
      else this.blocks.set(key, b);
    }
    for (const x of t.exposures) {
      const key = `${x.model}\u0000${x.version}\u0000${x.arm}\u0000${x.unit}`;
      const y = this.exposures.get(key);
      if (!y) this.exposures.set(key, x);
      else {
        y.first = Math.min(y.first, x.first);
        y.lastHour = Math.max(y.lastHour, x.lastHour);
      }
    }
    this.last = null;
  }

  /** After the flush that wrote `exposures` committed. */
  committed(exposures: readonly Exposure[]): void {
    if (this.written.size + exposures.length > MAX_WRITTEN) this.written.clear();
    for (const x of exposures) {
      const key = `${x.model}\u0000${x.version}\u0000${x.arm}\u0000${x.unit}`;
      const w = this.written.get(key);
      this.written.set(key, w ? { first: Math.min(w.first, x.first), lastHour: Math.max(w.lastHour, x.lastHour) } : { first: x.first, lastHour: x.lastHour });
    }
  }

  /** What this process committed for an exposure, if it remembers (the store may hold less recent first/more recent last). */
  writtenOf(x: Exposure): { first: number; lastHour: number } | undefined {
    return this.written.get(`${x.model}\u0000${x.version}\u0000${x.arm}\u0000${x.unit}`);
  }

  /** Buffered minute blocks of a model starting in [from, to) (not copied: read, don't keep). */
  *blocksOf(model: string, from: number, to: number): Iterable<UnitBlock> {
    for (const b of this.blocks.values()) if (b.model === model && b.start >= from && b.start < to) yield b;
  }

  /** Buffered exposures of a model (not copied). */
  *exposuresOf(model: string): Iterable<Exposure> {
    for (const x of this.exposures.values()) if (x.model === model) yield x;
  }
}
