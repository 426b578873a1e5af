/**
 * In-memory accumulator of open rollups per (model, version, arm, bucket), for the ingest
 * path. Closed buckets are handed back by drain() for the store to merge in (the store adds
 * a drained rollup to any row of the same key: late records and several processes then add
 * up). A record for a bucket already drained simply opens that bucket again.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import {
  DEFAULT_ARM,
  MINUTE_MS,
  addOutcome,
  addPrediction,
  createRollup,
  type OutcomeInput,
  type PredictionInput,
  type Rollup,
} from './rollup.ts';
import { cloneRollup, compareKeys } from './rollup-merge.ts';
import { invalid } from '../core/errors.ts';

/** Where an outcome belongs: its prediction's model, version, arm and time. */
export interface PredictionRef {
  model: string;
  version: string;
  arm?: string | null | undefined;
  /** Epoch ms of the prediction (not of the outcome). */
  ts: number;
}

export class Accumulator {
  readonly bucketMs: number;
  /** series key (model, version, arm) → bucketStart → open rollup */
  private readonly open = new Map<string, Map<number, Rollup>>();
  private openCount = 0;
  // Last rollup hit: consecutive records of a batch nearly always share their key.
  private lastModel = '';
  private lastVersion = '';
  private lastArm = '';
  private lastBucket = Number.NaN;
  private last: Rollup | null = null;

  constructor(options: { bucketMs?: number } = {}) {
    const bucketMs = options.bucketMs ?? MINUTE_MS;
    if (!(Number.isSafeInteger(bucketMs) && bucketMs > 0)) throw invalid(`bucketMs must be a positive whole number, got ${bucketMs}`);
    this.bucketMs = bucketMs;
  }

  /** Number of open rollups. */
  get size(): number {
    return this.openCount;
  }

  /** The open rollup for a key and time, created when missing. */
  rollupFor(model: string, version: string, arm: string, ts: number): Rollup {
    if (!Number.isFinite(ts)) throw invalid(`ts: expected epoch ms, got ${ts}`);
    const bucket = Math.floor(ts / this.bucketMs) * this.bucketMs;
    const last = this.last;
    if (
      last !== null &&
      bucket === this.lastBucket &&
      model === this.lastModel &&
      version === this.lastVersion &&
      arm === this.lastArm
    ) {
      return last;
    }
    const seriesKey = `${model}\u0000${version}\u0000${arm}`;
    let buckets = this.open.get(seriesKey);
    if (buckets === undefined) {
      buckets = new Map();
      this.open.set(seriesKey, buckets);
    }
    let r = buckets.get(bucket);
    if (r === undefined) {
      r = createRollup({ model, version, arm, bucketStart: bucket, bucketMs: this.bucketMs });
      buckets.set(bucket, r);
      this.openCount++;
    }
    this.last = r;
    this.lastModel = model;
    this.lastVersion = version;
    this.lastArm = arm;
    this.lastBucket = bucket;
    return r;
  }

  addPrediction(model: string, record: PredictionInput, profile?: ReferenceProfile | null): Rollup {
    const r = this.rollupFor(model, record.version, record.arm ?? DEFAULT_ARM, record.ts);
    addPrediction(r, record, profile);
    return r;
  }

  addOutcome(prediction: PredictionRef, outcome: OutcomeInput): Rollup {
    const r = this.rollupFor(prediction.model, prediction.version, prediction.arm ?? DEFAULT_ARM, prediction.ts);
    addOutcome(r, outcome);
    return r;
  }

  /**
   * Removes and returns the rollups whose bucket closed at least graceMs before nowMs
   * (bucketStart + bucketMs + graceMs ≤ nowMs), sorted by key.
   */
  drain(nowMs: number, graceMs = 0): Rollup[] {
    const out: Rollup[] = [];
    const cutoff = nowMs - graceMs - this.bucketMs; // bucketStart ≤ cutoff is closed
    for (const [seriesKey, buckets] of this.open) {
      for (const [start, r] of buckets) {
        if (start <= cutoff) {
          out.push(r);
          buckets.delete(start);
        }
      }
      if (buckets.size === 0) this.open.delete(seriesKey);
    }
    this.finishDrain(out);
    return out.sort(compareKeys);
  }

  /** Removes and returns every open rollup (at shutdown). */
  drainAll(): Rollup[] {
    return this.drain(Number.POSITIVE_INFINITY);
  }

  /** Copies of the open rollups (e.g. for health and live queries), sorted by key. */
  snapshot(): Rollup[] {
    const out: Rollup[] = [];
    for (const buckets of this.open.values()) for (const r of buckets.values()) out.push(cloneRollup(r));
    return out.sort(compareKeys);
  }

  private finishDrain(drained: Rollup[]): void {
    this.openCount -= drained.length;
    if (this.last !== null && drained.includes(this.last)) {
      this.last = null;
      this.lastBucket = Number.NaN;
    }
  }
}
