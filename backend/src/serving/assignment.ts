/**
 * Deterministic unit → arm assignment.
 *
 * A unit's bucket is xxHash64(`${salt}:${unitId}`) mod 10,000; each arm owns a set of bucket
 * ranges whose sizes follow the (normalised) weights. The same unit, salt and allocation always
 * give the same arm, on any machine, with no state per unit.
 *
 * Layout, so that ramping moves as few units as possible:
 * - Fresh layout: arm 0 (control) grows up from bucket 0; arm 1 grows down from bucket 9,999,
 *   arm 2 sits just below arm 1, and so on. Ramping a two-arm experiment (say treatment
 *   10 % → 50 %) only moves the buckets between the two ends from control to treatment: a unit
 *   in treatment stays in treatment, and exactly |Δweight| of units move, the minimum.
 * - Reweighting an existing allocation (`allocateBuckets(arms, previous)`): every arm keeps
 *   the buckets it had, up to its new size; shrinking arms release buckets (control its
 *   highest, the others their lowest) and growing arms take released ones (control the
 *   lowest, the others the highest, arm 1 first). Exactly Σ max(0, old − new) buckets change
 *   arm — the total-variation distance between the two splits, which no scheme can beat —
 *   and an arm whose weight does not shrink loses no unit. Persist the allocation with the
 *   experiment and pass it back as `previous` whenever the weights change (needed with three
 *   or more arms; for two arms the fresh layout already gives the same result).
 * Changing the salt reshuffles every unit (use it to start a fresh experiment).
 */
import xxhash from 'xxhash-wasm';
import { invalid } from '../core/errors.ts';

export const BUCKET_COUNT = 10_000;
const BUCKETS_BIG = BigInt(BUCKET_COUNT);

export interface ArmWeight {
  name: string;
  weight: number;
}

/** Half-open bucket range [start, end). */
export interface BucketRange {
  start: number;
  end: number;
}

export interface Allocation {
  /** In the order of the arms given; arm 0 is the control. Ranges are sorted and disjoint. */
  arms: { name: string; ranges: BucketRange[] }[];
}

export interface AssignmentHasher {
  /** xxHash64 of a UTF-8 string, seed 0. */
  hash(key: string): bigint;
  /** Bucket in [0, 10000) of `${salt}:${unitId}`. */
  bucket(salt: string, unitId: string): number;
}

let hasherPromise: Promise<AssignmentHasher> | undefined;

/** Loads the WebAssembly hasher once per process; later calls share it. */
export function loadAssignmentHasher(): Promise<AssignmentHasher> {
  hasherPromise ??= xxhash().then((api) => ({
    hash: (key: string) => api.h64(key),
    bucket: (salt: string, unitId: string) => Number(api.h64(`${salt}:${unitId}`) % BUCKETS_BIG),
  }));
  return hasherPromise;
}

function validateArms(arms: readonly ArmWeight[]): void {
  if (!Array.isArray(arms) || arms.length === 0) throw invalid('arms must be a non-empty array of {name, weight}');
  const seen = new Set<string>();
  arms.forEach((arm, i) => {
    if (typeof arm?.name !== 'string' || arm.name.length === 0) throw invalid(`arms[${i}].name must be a non-empty string`);
    if (seen.has(arm.name)) throw invalid(`arms[${i}].name "${arm.name}" is used twice`);
    seen.add(arm.name);
    if (typeof arm.weight !== 'number' || !Number.isFinite(arm.weight) || arm.weight < 0) {
      throw invalid(`arms[${i}].weight must be a finite number ≥ 0, got ${String(arm.weight)}`);
    }
  });
  const total = arms.reduce((s, a) => s + a.weight, 0);
  if (!(total > 0) || !Number.isFinite(total)) throw invalid('arms[].weight must sum to a positive finite number');
}

/**
 * Buckets per arm: weights normalised, then rounded by largest remainder so they sum to
 * exactly 10,000 (ties go to the earlier arm).
 */
export function bucketCounts(arms: readonly ArmWeight[]): number[] {
  validateArms(arms);
  const total = arms.reduce((s, a) => s + a.weight, 0);
  const exact = arms.map((a) => (a.weight / total) * BUCKET_COUNT);
  const counts = exact.map((x) => Math.floor(x + 1e-9));
  let left = BUCKET_COUNT - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x + 1e-9) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) {
    const i = (order[k] as { i: number }).i;
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Allocation for the arms' weights; with `previous`, the minimal-move reweighting of it. */
export function allocateBuckets(arms: readonly ArmWeight[], previous?: Allocation): Allocation {
  const counts = bucketCounts(arms);
  const owner = new Int32Array(BUCKET_COUNT).fill(-1);
  if (previous === undefined) {
    layoutFresh(counts, owner);
  } else {
    reweight(arms, counts, previous, owner);
  }
  return { arms: arms.map((a, i) => ({ name: a.name, ranges: rangesOf(owner, i) })) };
}

function layoutFresh(counts: readonly number[], owner: Int32Array): void {
  owner.fill(0, 0, counts[0] as number);
  let top = BUCKET_COUNT;
  for (let i = 1; i < counts.length; i++) {
    const c = counts[i] as number;
    owner.fill(i, top - c, top);
    top -= c;
  }
}

function reweight(arms: readonly ArmWeight[], counts: readonly number[], previous: Allocation, owner: Int32Array): void {
  if (previous === null || typeof previous !== 'object' || !Array.isArray(previous.arms)) {
    throw invalid('previous allocation must be {arms: [{name, ranges}]}');
  }
  const index = new Map(arms.map((a, i) => [a.name, i]));
  const seen = new Uint8Array(BUCKET_COUNT);
  for (const arm of previous.arms) {
    const i = index.get(arm.name) ?? -1; // arms no longer present release everything
    for (const r of arm.ranges ?? []) {
      if (!Number.isInteger(r?.start) || !Number.isInteger(r?.end) || r.start < 0 || r.end > BUCKET_COUNT || r.start > r.end) {
        throw invalid(`previous allocation: arm "${arm.name}" has an invalid range ${JSON.stringify(r)}`);
      }
      for (let b = r.start; b < r.end; b++) {
        if (seen[b]) throw invalid(`previous allocation: bucket ${b} belongs to two arms`);
        seen[b] = 1;
        owner[b] = i;
      }
    }
  }
  if (seen.includes(0)) throw invalid(`previous allocation must cover all ${BUCKET_COUNT} buckets`);

  const current = new Array<number>(arms.length).fill(0);
  for (const o of owner) if (o >= 0) current[o] = (current[o] as number) + 1;
  // Shrinking arms release from the side facing the middle of the fresh layout.
  counts.forEach((target, i) => {
    let excess = (current[i] as number) - target;
    if (excess <= 0) return;
    if (i === 0) for (let b = BUCKET_COUNT - 1; excess > 0; b--) { if (owner[b] === 0) { owner[b] = -1; excess--; } }
    else for (let b = 0; excess > 0; b++) { if (owner[b] === i) { owner[b] = -1; excess--; } }
    current[i] = target;
  });
  // Growing arms fill free buckets: control from the bottom, the others from the top.
  let need = (counts[0] as number) - (current[0] as number);
  for (let b = 0; need > 0; b++) { if (owner[b] === -1) { owner[b] = 0; need--; } }
  let b = BUCKET_COUNT - 1;
  for (let i = 1; i < counts.length; i++) {
    let want = (counts[i] as number) - (current[i] as number);
    for (; want > 0; b--) { if (owner[b] === -1) { owner[b] = i; want--; } }
  }
}

function rangesOf(owner: Int32Array, arm: number): BucketRange[] {
  const ranges: BucketRange[] = [];
  for (let b = 0; b < BUCKET_COUNT; b++) {
    if (owner[b] !== arm) continue;
    const last = ranges.at(-1);
    if (last && last.end === b) last.end = b + 1;
    else ranges.push({ start: b, end: b + 1 });
  }
  return ranges;
}

/** Bucket → arm index table for an allocation (throws if it does not cover every bucket once). */
function ownerTable(allocation: Allocation): Uint16Array {
  const table = new Uint16Array(BUCKET_COUNT).fill(0xffff);
  allocation.arms.forEach((arm, i) => {
    for (const r of arm.ranges) {
      for (let b = r.start; b < r.end; b++) {
        if (table[b] !== 0xffff) throw invalid(`allocation: bucket ${b} belongs to two arms`);
        table[b] = i;
      }
    }
  });
  if (table.includes(0xffff)) throw invalid(`allocation must cover all ${BUCKET_COUNT} buckets`);
  return table;
}

export interface ArmRouter {
  readonly allocation: Allocation;
  armForBucket(bucket: number): string;
  /** The unit's arm: deterministic in (salt, unitId, allocation). */
  assign(unitId: string): string;
}

export function createArmRouter(hasher: AssignmentHasher, salt: string, allocation: Allocation): ArmRouter {
  if (typeof salt !== 'string') throw invalid('salt must be a string');
  const table = ownerTable(allocation);
  const names = allocation.arms.map((a) => a.name);
  const armForBucket = (bucket: number): string => names[table[bucket] as number] as string;
  return {
    allocation,
    armForBucket,
    assign(unitId: string): string {
      if (typeof unitId !== 'string') throw invalid('unitId must be a string');
      return armForBucket(hasher.bucket(salt, unitId));
    },
  };
}

/** Fraction of buckets (≈ of units) whose arm differs between two allocations of the same salt. */
export function movedFraction(from: Allocation, to: Allocation): number {
  const a = ownerTable(from);
  const b = ownerTable(to);
  const namesA = from.arms.map((x) => x.name);
  const namesB = to.arms.map((x) => x.name);
  let moved = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) if (namesA[a[i] as number] !== namesB[b[i] as number]) moved++;
  return moved / BUCKET_COUNT;
}
