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
import { bucketOfHash, FIRST, fnv1a, LAST_HOUR, STATE, UnitTable, WRITTEN_FIRST, WRITTEN_LAST_HOUR } from './unit-table.ts';

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

/** The bucket of a unit id: FNV-1a over its UTF-16 code units, mixed (murmur3's finaliser; UnitTable keeps it per unit). */
export const unitBucket = (unit: string): number => bucketOfHash(fnv1a(unit), UNIT_BUCKETS);

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

/**
 * One (model, version, arm): its buffered minute blocks and its units, found through nested
 * maps (and the last one used); its units in a UnitTable (unit-table.ts): a record builds no
 * key string and allocates nothing, and one lookup gives its bucket and whether its exposure
 * needs writing (bench/ingest --unit-ids).
 */
interface SeriesBuffer {
  model: string;
  version: string;
  arm: string;
  blocks: Map<number, UnitBlock>;
  lastBlock: UnitBlock | null;
  /** lastBlock's sums by bucket (the same arrays as its map), so that a record reads no map. */
  lastSums: (Float64Array | undefined)[];
  units: UnitTable;
  /** The indexes of the units with an unflushed sighting, and their ids (the table keeps none as strings). */
  pending: number[];
  pendingUnits: string[];
}

const newSeries = (model: string, version: string, arm: string): SeriesBuffer => ({
  model,
  version,
  arm,
  blocks: new Map(),
  lastBlock: null,
  lastSums: new Array<Float64Array | undefined>(UNIT_BUCKETS),
  units: new UnitTable(UNIT_BUCKETS),
  pending: [],
  pendingUnits: [],
});

/** The exposure of the k-th pending unit. */
const exposureOf = (s: SeriesBuffer, k: number, i = s.pending[k]!): Exposure => ({
  model: s.model,
  version: s.version,
  arm: s.arm,
  unit: s.pendingUnits[k]!,
  first: s.units.state[i * STATE + FIRST]!,
  lastHour: s.units.state[i * STATE + LAST_HOUR]!,
});

export class UnitBucketBuffer {
  private readonly models = new Map<string, Map<string, Map<string, SeriesBuffer>>>();
  private last: SeriesBuffer | null = null;

  private seriesOf(model: string, version: string, arm: string): SeriesBuffer {
    const l = this.last;
    if (l !== null && l.arm === arm && l.version === version && l.model === model) return l;
    let versions = this.models.get(model);
    if (versions === undefined) this.models.set(model, (versions = new Map()));
    let arms = versions.get(version);
    if (arms === undefined) versions.set(version, (arms = new Map()));
    let s = arms.get(arm);
    if (s === undefined) arms.set(arm, (s = newSeries(model, version, arm)));
    this.last = s;
    return s;
  }

  private *allSeries(model?: string): Iterable<SeriesBuffer> {
    for (const [m, versions] of this.models) {
      if (model !== undefined && m !== model) continue;
      for (const arms of versions.values()) yield* arms.values();
    }
  }

  private entry(s: SeriesBuffer, ts: number, bucket: number): Float64Array {
    const start = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    let b = s.lastBlock;
    if (b === null || b.start !== start) {
      let found = s.blocks.get(start);
      if (found === undefined) s.blocks.set(start, (found = { model: s.model, version: s.version, arm: s.arm, bucketMs: MINUTE_MS, start, sums: new Map() }));
      s.lastBlock = b = found;
      s.lastSums = new Array<Float64Array | undefined>(UNIT_BUCKETS);
      for (const [k, v] of found.sums) s.lastSums[k] = v;
    }
    let e = s.lastSums[bucket];
    if (e === undefined) {
      b.sums.set(bucket, (e = new Float64Array(UNIT_WIDTH)));
      s.lastSums[bucket] = e;
    }
    return e;
  }

  /** Adds a sighting to the unit's unflushed one (first = min, last hour = max). */
  private sighted(s: SeriesBuffer, i: number, unit: string, first: number, lastHour: number): void {
    const st = s.units.state;
    const at = i * STATE;
    if (Number.isNaN(st[at + FIRST]!)) {
      st[at + FIRST] = first;
      st[at + LAST_HOUR] = lastHour;
      s.pending.push(i);
      s.pendingUnits.push(unit);
    } else {
      if (first < st[at + FIRST]!) st[at + FIRST] = first;
      if (lastHour > st[at + LAST_HOUR]!) st[at + LAST_HOUR] = lastHour;
    }
  }

  addPrediction(model: string, r: UnitPrediction): void {
    if (r.unitId === null) return;
    const s = this.seriesOf(model, r.version, r.arm);
    const t = s.units;
    const i = t.indexOf(r.unitId);
    const e = this.entry(s, r.ts, t.bucket);
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
    if (t.state[i * STATE + WRITTEN_FIRST]! <= r.ts && t.state[i * STATE + WRITTEN_LAST_HOUR]! >= lastHour) return;
    this.sighted(s, i, r.unitId, r.ts, lastHour);
  }

  addOutcome(model: string, d: UnitOutcome): void {
    if (d.unitId === null || d.unitId === undefined) return;
    if (d.impressions === 0 && d.clicks === 0 && d.conversions === 0 && d.labelled === 0 && d.positives === 0) return;
    const s = this.seriesOf(model, d.version, d.arm);
    s.units.indexOf(d.unitId);
    const e = this.entry(s, d.predictionTs, s.units.bucket);
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
      const st = s.units.state;
      for (let k = 0; k < s.pending.length; k++) {
        const at = s.pending[k]! * STATE;
        if (!(st[at + WRITTEN_FIRST]! <= st[at + FIRST]! && st[at + WRITTEN_LAST_HOUR]! >= st[at + LAST_HOUR]!)) exposures.push(exposureOf(s, k));
        st[at + FIRST] = Number.NaN;
        st[at + LAST_HOUR] = Number.NaN;
      }
      if (s.blocks.size > 0) s.blocks = new Map();
      s.pending = [];
      s.pendingUnits = [];
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
      // The merge may have added buckets to the block the records write into.
      s.lastBlock = null;
    }
    for (const x of t.exposures) {
      const s = this.seriesOf(x.model, x.version, x.arm);
      this.sighted(s, s.units.indexOf(x.unit), x.unit, x.first, x.lastHour);
    }
  }

  /** After the flush that wrote `exposures` committed. */
  committed(exposures: readonly Exposure[]): void {
    let remembered = 0;
    for (const s of this.allSeries()) remembered += s.units.size;
    if (remembered + exposures.length > MAX_WRITTEN) this.forget();
    for (const x of exposures) {
      const t = this.seriesOf(x.model, x.version, x.arm).units;
      const at = t.indexOf(x.unit) * STATE;
      if (x.first < t.state[at + WRITTEN_FIRST]!) t.state[at + WRITTEN_FIRST] = x.first;
      if (x.lastHour > t.state[at + WRITTEN_LAST_HOUR]!) t.state[at + WRITTEN_LAST_HOUR] = x.lastHour;
    }
  }

  /** Drops every unit without an unflushed sighting, and what was committed for the others. */
  private forget(): void {
    for (const s of this.allSeries()) {
      const old = s.units;
      const kept = new UnitTable(UNIT_BUCKETS, s.pending.length);
      s.pending = s.pending.map((i, k) => {
        const j = kept.indexOf(s.pendingUnits[k]!);
        kept.state[j * STATE + FIRST] = old.state[i * STATE + FIRST]!;
        kept.state[j * STATE + LAST_HOUR] = old.state[i * STATE + LAST_HOUR]!;
        return j;
      });
      s.units = kept;
    }
  }

  /** What this process committed for an exposure, if it remembers (the store may hold less recent first/more recent last). */
  writtenOf(x: Exposure): { first: number; lastHour: number } | undefined {
    const t = this.models.get(x.model)?.get(x.version)?.get(x.arm)?.units;
    const i = t ? t.find(x.unit) : -1;
    if (t === undefined || i < 0 || t.state[i * STATE + WRITTEN_FIRST] === Infinity) return undefined;
    return { first: t.state[i * STATE + WRITTEN_FIRST]!, lastHour: t.state[i * STATE + WRITTEN_LAST_HOUR]! };
  }

  /** Buffered minute blocks of a model starting in [from, to) (not copied: read, don't keep). */
  *blocksOf(model: string, from: number, to: number): Iterable<UnitBlock> {
    for (const s of this.allSeries(model)) for (const b of s.blocks.values()) if (b.start >= from && b.start < to) yield b;
  }

  /** Buffered exposures of a model: the unflushed sightings that differ from what this process committed. */
  *exposuresOf(model: string): Iterable<Exposure> {
    for (const s of this.allSeries(model)) for (let k = 0; k < s.pending.length; k++) yield exposureOf(s, k);
  }
}
