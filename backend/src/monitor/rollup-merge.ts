/**
 * Merging rollups: pure sums. Counters and histograms add, latency sketches merge; the
 * result of merging rollups of one key is the rollup of all their records.
 */
import { ANY, attachLayout, createRollup, layoutMismatch, type Rollup } from './rollup.ts';
import { sameLayout } from './rollup-layout.ts';
import { invalid } from '../core/errors.ts';
import { addCountersInto } from '../core/rollup-counters.ts';

export interface MergeOptions {
  /**
   * What to do when feature histograms were counted over different profile bins:
   * 'throw' (default) raises a conflict DomainError; 'drop' keeps the counters and drops
   * the histograms (fine for KPI-only use).
   */
  onLayoutMismatch?: 'throw' | 'drop';
}

/**
 * Adds `source` into `target` (mutates target; source is unchanged). The target's span
 * grows to cover both; version/arm become ANY where they differ.
 */
export function mergeInto(target: Rollup, source: Rollup, options: MergeOptions = {}): Rollup {
  if (target.model !== source.model) {
    throw invalid(`cannot merge rollups of different models (${target.model}, ${source.model})`);
  }
  if (target.version !== source.version) target.version = ANY;
  if (target.arm !== source.arm) target.arm = ANY;
  const start = Math.min(target.bucketStart, source.bucketStart);
  const end = Math.max(target.bucketStart + target.bucketMs, source.bucketStart + source.bucketMs);
  target.bucketStart = start;
  target.bucketMs = end - start;

  addCountersInto(target, source);
  target.latency.merge(source.latency);
  addArray(target.scoreHist, source.scoreHist);
  addArray(target.quality, source.quality);

  if (source.layout !== null) {
    if (target.layout !== null && !sameLayout(target.layout, source.layout)) {
      if (options.onLayoutMismatch !== 'drop') throw layoutMismatch(target, source.layout);
      target.layout = null;
      target.features = [];
      target.featureStats = new Float64Array(0);
      return target;
    }
    attachLayout(target, source.layout);
    for (let i = 0; i < source.features.length; i++) {
      addArray(target.features[i] as Float64Array, source.features[i] as Float64Array);
    }
    addArray(target.featureStats, source.featureStats);
  }
  return target;
}

function addArray(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < from.length; i++) (into[i] as number) += from[i] as number;
}

export function cloneRollup(r: Rollup): Rollup {
  const c = createRollup({ model: r.model, version: r.version, arm: r.arm, bucketStart: r.bucketStart, bucketMs: r.bucketMs });
  return mergeInto(c, r);
}

/** a + b as a new rollup (neither is changed). */
export function mergeRollups(a: Rollup, b: Rollup, options: MergeOptions = {}): Rollup {
  return mergeInto(cloneRollup(a), b, options);
}

/** Sum of all rollups as a new rollup; null for none. */
export function mergeAll(rollups: Iterable<Rollup>, options: MergeOptions = {}): Rollup | null {
  let acc: Rollup | null = null;
  for (const r of rollups) acc = acc === null ? cloneRollup(r) : mergeInto(acc, r, options);
  return acc;
}

/**
 * Re-buckets rollups into coarser buckets of periodMs (e.g. minutes into hours): rollups of
 * one (model, version, arm) whose starts fall in one period are summed. Each input's
 * bucketMs must divide periodMs. Output sorted by model, version, arm, bucketStart.
 */
export function coarsen(rollups: Iterable<Rollup>, periodMs: number, options: MergeOptions = {}): Rollup[] {
  if (!(Number.isSafeInteger(periodMs) && periodMs > 0)) {
    throw invalid(`coarsen period must be a positive whole number of ms, got ${periodMs}`);
  }
  const groups = new Map<string, Rollup>();
  for (const r of rollups) {
    if (periodMs % r.bucketMs !== 0 || r.bucketStart % r.bucketMs !== 0) {
      throw invalid(
        `cannot coarsen the ${r.bucketMs} ms bucket at ${r.bucketStart} into ${periodMs} ms buckets: ` +
          'its width must divide the period and its start be a multiple of its width',
      );
    }
    const start = Math.floor(r.bucketStart / periodMs) * periodMs;
    const k = `${r.model}\u0000${r.version}\u0000${r.arm}\u0000${start}`;
    let g = groups.get(k);
    if (g === undefined) {
      g = createRollup({ model: r.model, version: r.version, arm: r.arm, bucketStart: start, bucketMs: periodMs });
      groups.set(k, g);
    }
    mergeInto(g, r, options);
    // mergeInto widens to the union of spans; the period is the bucket here.
    g.bucketStart = start;
    g.bucketMs = periodMs;
  }
  return [...groups.values()].sort(compareKeys);
}

export function compareKeys(a: Rollup, b: Rollup): number {
  return (
    cmp(a.model, b.model) || cmp(a.version, b.version) || cmp(a.arm, b.arm) || a.bucketStart - b.bucketStart
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
