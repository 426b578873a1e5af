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

export function addSums(into: BucketSums, from: BucketSums): void {
  for (const [b, v] of from) {
    const t = into.get(b);
    if (t) for (let i = 0; i < UNIT_WIDTH; i++) t[i]! += v[i]!;
    else into.set(b, Float64Array.from(v));
  }
}

/** Most units remembered per process (beyond it the memory of what was written is cleared: only extra writes). */
const MAX_WRITTEN = 500_000;

/** One unit in one (model, version, arm): its bucket, its unflushed sighting, what this process committed. */
interface UnitState {
  unit: string;
  bucket: number;
  /** The unflushed sighting's first ts and last hour (NaN: none since the last take). */
  first: number;
  lastHour: number;
  /** What this process committed (Infinity / -Infinity: nothing remembered). */
  writtenFirst: number;
  writtenLastHour: number;
}

/**
 * One (model, version, arm): its buffered minute blocks and its units, keyed by the unit
 * alone and found through nested maps (and the last one used): a record builds no key
 * string, and one lookup gives its bucket and whether its exposure needs writing
 * (bench/ingest --unit-ids).
 */
interface SeriesBuffer {
  model: string;
  version: string;
  arm: string;
  blocks: Map<number, UnitBlock>;
  lastBlock: UnitBlock | null;
  units: Map<string, UnitState>;
  /** The units with an unflushed sighting. */
  pending: UnitState[];
}

const exposureOf = (s: SeriesBuffer, u: UnitState): Exposure => ({ model: s.model, version: s.version, arm: s.arm, unit: u.unit, first: u.first, lastHour: u.lastHour });

export class UnitBucketBuffer {
  private readonly models = new Map<string, Map<string, Map<string, SeriesBuffer>>>();
  private last: SeriesBuffer | null = null;
  private remembered = 0;

  private seriesOf(model: string, version: string, arm: string): SeriesBuffer {
    const l = this.last;
    if (l !== null && l.arm === arm && l.version === version && l.model === model) return l;
    let versions = this.models.get(model);
    if (versions === undefined) this.models.set(model, (versions = new Map()));
    let arms = versions.get(version);
    if (arms === undefined) versions.set(version, (arms = new Map()));
    let s = arms.get(arm);
    if (s === undefined) arms.set(arm, (s = { model, version, arm, blocks: new Map(), lastBlock: null, units: new Map(), pending: [] }));
    this.last = s;
    return s;
  }

  private *allSeries(model?: string): Iterable<SeriesBuffer> {
    for (const [m, versions] of this.models) {
      if (model !== undefined && m !== model) continue;
      for (const arms of versions.values()) yield* arms.values();
    }
  }

  private stateOf(s: SeriesBuffer, unit: string): UnitState {
    let u = s.units.get(unit);
    if (u === undefined) {
      s.units.set(unit, (u = { unit, bucket: unitBucket(unit), first: Number.NaN, lastHour: Number.NaN, writtenFirst: Infinity, writtenLastHour: -Infinity }));
      this.remembered++;
    }
    return u;
  }

  private entry(s: SeriesBuffer, ts: number, bucket: number): Float64Array {
    const start = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    let b = s.lastBlock;
    if (b === null || b.start !== start) {
      let found = s.blocks.get(start);
      if (found === undefined) s.blocks.set(start, (found = { model: s.model, version: s.version, arm: s.arm, bucketMs: MINUTE_MS, start, sums: new Map() }));
      s.lastBlock = b = found;
    }
    let e = b.sums.get(bucket);
    if (e === undefined) b.sums.set(bucket, (e = new Float64Array(UNIT_WIDTH)));
    return e;
  }

  /** Adds a sighting to the unit's unflushed one (first = min, last hour = max). */
  private sighted(s: SeriesBuffer, u: UnitState, first: number, lastHour: number): void {
    if (Number.isNaN(u.first)) {
      u.first = first;
      u.lastHour = lastHour;
      s.pending.push(u);
    } else {
      if (first < u.first) u.first = first;
      if (lastHour > u.lastHour) u.lastHour = lastHour;
    }
  }

  addPrediction(model: string, r: UnitPrediction): void {
    if (r.unitId === null) return;
    const s = this.seriesOf(model, r.version, r.arm);
    const u = this.stateOf(s, r.unitId);
    const e = this.entry(s, r.ts, u.bucket);
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
    const lastHour = Math.floor(r.ts / HOUR_MS) * HOUR_MS;
    // Committed as it is (the store holds at most this first, at least this last hour): nothing to write.
    if (u.writtenFirst <= r.ts && u.writtenLastHour >= lastHour) return;
    this.sighted(s, u, r.ts, lastHour);
  }

  addOutcome(model: string, d: UnitOutcome): void {
    if (d.unitId === null || d.unitId === undefined) return;
    if (d.impressions === 0 && d.clicks === 0 && d.conversions === 0 && d.labelled === 0 && d.positives === 0) return;
    const s = this.seriesOf(model, d.version, d.arm);
    const e = this.entry(s, d.predictionTs, this.stateOf(s, d.unitId).bucket);
    e[I.impressions]! += d.impressions;
    e[I.clicks]! += d.clicks;
    e[I.conversions]! += d.conversions;
    e[I.labelled]! += d.labelled;
    e[I.positives]! += d.positives;
  }

  /**
   * Removes and returns everything buffered (the flush writes it), exposures grouped by
   * (model, version, arm); exposures already committed as they are are dropped.
   */
  take(): UnitTaken {
    const blocks: UnitBlock[] = [];
    const exposures: Exposure[] = [];
    for (const s of this.allSeries()) {
      for (const b of s.blocks.values()) blocks.push(b);
      for (const u of s.pending) {
        if (!(u.writtenFirst <= u.first && u.writtenLastHour >= u.lastHour)) exposures.push(exposureOf(s, u));
        u.first = Number.NaN;
        u.lastHour = Number.NaN;
      }
      if (s.blocks.size > 0) s.blocks = new Map();
      s.pending = [];
      s.lastBlock = null;
    }
    return { blocks, exposures };
  }

  /** Adds taken sums back (a failed flush), merging with any buffered since. */
  restore(t: UnitTaken): void {
    for (const b of t.blocks) {
      const s = this.seriesOf(b.model, b.version, b.arm);
      const existing = s.blocks.get(b.start);
      if (existing) addSums(existing.sums, b.sums);
      else s.blocks.set(b.start, b);
    }
    for (const x of t.exposures) {
      const s = this.seriesOf(x.model, x.version, x.arm);
      this.sighted(s, this.stateOf(s, x.unit), x.first, x.lastHour);
    }
  }

  /** After the flush that wrote `exposures` committed. */
  committed(exposures: readonly Exposure[]): void {
    if (this.remembered + exposures.length > MAX_WRITTEN) this.forget();
    for (const x of exposures) {
      const u = this.stateOf(this.seriesOf(x.model, x.version, x.arm), x.unit);
      if (x.first < u.writtenFirst) u.writtenFirst = x.first;
      if (x.lastHour > u.writtenLastHour) u.writtenLastHour = x.lastHour;
    }
  }

  /** Drops every unit without an unflushed sighting, and what was committed for the others. */
  private forget(): void {
    this.remembered = 0;
    for (const s of this.allSeries()) {
      s.units = new Map(s.pending.map((u) => [u.unit, u]));
      for (const u of s.pending) {
        u.writtenFirst = Infinity;
        u.writtenLastHour = -Infinity;
      }
      this.remembered += s.units.size;
    }
  }

  /** What this process committed for an exposure, if it remembers (the store may hold less recent first/more recent last). */
  writtenOf(x: Exposure): { first: number; lastHour: number } | undefined {
    const u = this.models.get(x.model)?.get(x.version)?.get(x.arm)?.units.get(x.unit);
    return u && u.writtenFirst !== Infinity ? { first: u.writtenFirst, lastHour: u.writtenLastHour } : undefined;
  }

  /** Buffered minute blocks of a model starting in [from, to) (not copied: read, don't keep). */
  *blocksOf(model: string, from: number, to: number): Iterable<UnitBlock> {
    for (const s of this.allSeries(model)) for (const b of s.blocks.values()) if (b.start >= from && b.start < to) yield b;
  }

  /** Buffered exposures of a model: the unflushed sightings that differ from what this process committed. */
  *exposuresOf(model: string): Iterable<Exposure> {
    for (const s of this.allSeries(model)) for (const u of s.pending) yield exposureOf(s, u);
  }
}
