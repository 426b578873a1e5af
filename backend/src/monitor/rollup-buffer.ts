/**
 * This process's rollups not yet in the store, per (model, version, arm, layout, minute).
 *
 * Like accumulator.ts, but the histogram layout is part of the key: when a version's
 * profile is replaced while a minute is open, records binned over the new bins go to a new
 * rollup instead of failing the layout check (rollup.ts's attachLayout throws on a
 * mismatch) — the raw records are durable by then, so applying them must not fail.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import { MINUTE_MS, createRollup, type Rollup } from './rollup.ts';
import { compileProfile } from './rollup-layout.ts';
import { mergeInto } from './rollup-merge.ts';
import { UnitBucketBuffer } from './unit-buckets.ts';

export class RollupBuffer {
  /** The same records' per-unit bucket sums and exposures (unit-buckets.ts); flush.ts takes them with the rollups. */
  readonly units = new UnitBucketBuffer();
  private map = new Map<string, Rollup>();
  private lastModel = '';
  private lastVersion = '';
  private lastArm = '';
  private lastLayout = '';
  private lastBucket = Number.NaN;
  private last: Rollup | null = null;

  get size(): number {
    return this.map.size;
  }

  /** The open minute rollup of a key (created with the profile's layout when missing). */
  rollupFor(model: string, version: string, arm: string, ts: number, profile: ReferenceProfile | undefined): Rollup {
    const bucket = Math.floor(ts / MINUTE_MS) * MINUTE_MS;
    const layout = profile ? compileProfile(profile).layout.id : '';
    if (
      this.last !== null &&
      bucket === this.lastBucket &&
      version === this.lastVersion &&
      arm === this.lastArm &&
      layout === this.lastLayout &&
      model === this.lastModel
    ) {
      return this.last;
    }
    const key = `${model}\u0000${version}\u0000${arm}\u0000${layout}\u0000${bucket}`;
    let r = this.map.get(key);
    if (r === undefined) {
      r = createRollup({ model, version, arm, bucketStart: bucket, bucketMs: MINUTE_MS }, profile ?? null);
      this.map.set(key, r);
    }
    this.last = r;
    this.lastModel = model;
    this.lastVersion = version;
    this.lastArm = arm;
    this.lastLayout = layout;
    this.lastBucket = bucket;
    return r;
  }

  /** Removes and returns every rollup (the flush takes them). */
  drain(): Rollup[] {
    const out = [...this.map.values()];
    this.map = new Map();
    this.last = null;
    return out;
  }

  /** Adds rollups back (a failed flush), merging with any opened since. */
  restore(rollups: readonly Rollup[]): void {
    for (const r of rollups) {
      const key = `${r.model}\u0000${r.version}\u0000${r.arm}\u0000${r.layout?.id ?? ''}\u0000${r.bucketStart}`;
      const existing = this.map.get(key);
      if (existing) mergeInto(existing, r);
      else this.map.set(key, r);
    }
    this.last = null;
  }

  /** The rollups of a model with bucket starts in [from, to), not copied: read, don't keep. */
  *of(model: string, from: number, to: number): Iterable<Rollup> {
    for (const r of this.map.values()) {
      if (r.model === model && r.bucketStart >= from && r.bucketStart < to) yield r;
    }
  }
}
