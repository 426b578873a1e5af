import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../core/errors.ts';
import { srm } from '../stats/abtest/srm.ts';
import {
  allocateBuckets,
  bucketCounts,
  BUCKET_COUNT,
  createArmRouter,
  loadAssignmentHasher,
  movedFraction,
  type Allocation,
  type ArmWeight,
  type AssignmentHasher,
} from './assignment.ts';

const UNITS = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
let hasher: AssignmentHasher;
let buckets: Uint16Array; // bucket of each unit under SALT
const SALT = 'exp-42';

before(async () => {
  hasher = await loadAssignmentHasher();
  buckets = Uint16Array.from(UNITS, (u) => hasher.bucket(SALT, u));
});

const two = (treatment: number): ArmWeight[] => [
  { name: 'control', weight: 1 - treatment },
  { name: 'treatment', weight: treatment },
];

/** Arm of every unit under an allocation. */
function armsOf(allocation: Allocation): string[] {
  const router = createArmRouter(hasher, SALT, allocation);
  return Array.from(buckets, (b) => router.armForBucket(b));
}

function unitsMoved(a: string[], b: string[]): number {
  let moved = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) moved++;
  return moved / a.length;
}

describe('hashing', () => {
  test('xxHash64 known vectors (seed 0)', () => {
    assert.equal(hasher.hash('').toString(16), 'ef46db3751d8e999');
    assert.equal(hasher.hash('abc').toString(16), '44bc2cf5ad770999');
  });

  test('the hasher is loaded once', async () => {
    assert.equal(await loadAssignmentHasher(), hasher);
  });

  test('buckets are deterministic, in range, and depend on the salt', () => {
    assert.equal(hasher.bucket(SALT, 'user-1'), hasher.bucket(SALT, 'user-1'));
    assert.equal(hasher.bucket(SALT, 'user-1'), Number(hasher.hash(`${SALT}:user-1`) % 10000n));
    for (const b of buckets) assert.ok(b >= 0 && b < BUCKET_COUNT);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (hasher.bucket('other-salt', UNITS[i] as string) === buckets[i]) same++;
    assert.ok(same < 10);
  });

  test('assignment is balanced (SRM check on 100k units)', () => {
    for (const w of [0.5, 0.1]) {
      const arms = armsOf(allocateBuckets(two(w)));
      const t = arms.filter((a) => a === 'treatment').length;
      const r = srm({ counts: [arms.length - t, t], weights: [1 - w, w] });
      assert.equal(r.mismatch, false, `treatment ${w}: p = ${r.pValue}`);
    }
    const three = armsOf(allocateBuckets([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }]));
    const counts = ['a', 'b', 'c'].map((n) => three.filter((x) => x === n).length);
    assert.equal(srm({ counts, weights: [1, 1, 1] }).mismatch, false);
  });
});

describe('allocation', () => {
  test('largest-remainder bucket counts sum to 10,000', () => {
    assert.deepEqual(bucketCounts([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }]), [3334, 3333, 3333]);
    assert.deepEqual(bucketCounts(two(0.1)), [9000, 1000]);
    assert.deepEqual(bucketCounts([{ name: 'a', weight: 90 }, { name: 'b', weight: 10 }]), [9000, 1000]);
  });

  test('fresh layout: control from the bottom, treatment from the top', () => {
    assert.deepEqual(allocateBuckets(two(0.1)).arms, [
      { name: 'control', ranges: [{ start: 0, end: 9000 }] },
      { name: 'treatment', ranges: [{ start: 9000, end: 10000 }] },
    ]);
  });

  test('ramp 10% → 20% → 30% → 50%: no unit ever leaves treatment, and only Δw of units move', () => {
    const steps = [0.1, 0.2, 0.3, 0.5];
    for (const stateful of [false, true]) {
      let allocation = allocateBuckets(two(steps[0] as number));
      let arms = armsOf(allocation);
      for (let s = 1; s < steps.length; s++) {
        const next = stateful ? allocateBuckets(two(steps[s] as number), allocation) : allocateBuckets(two(steps[s] as number));
        const nextArms = armsOf(next);
        arms.forEach((arm, i) => {
          if (arm === 'treatment') assert.equal(nextArms[i], 'treatment', `unit ${i} left treatment`);
        });
        const dw = (steps[s] as number) - (steps[s - 1] as number);
        assert.ok(Math.abs(movedFraction(allocation, next) - dw) < 1e-12);
        assert.ok(Math.abs(unitsMoved(arms, nextArms) - dw) < 0.01);
        allocation = next;
        arms = nextArms;
      }
    }
  });

  test('three arms, one treatment ramped up: units only move from control into it', () => {
    let allocation = allocateBuckets([{ name: 'control', weight: 0.8 }, { name: 'b', weight: 0.1 }, { name: 'c', weight: 0.1 }]);
    let arms = armsOf(allocation);
    for (const c of [0.2, 0.3, 0.4]) {
      const next = allocateBuckets([{ name: 'control', weight: 0.9 - c }, { name: 'b', weight: 0.1 }, { name: 'c', weight: c }], allocation);
      const nextArms = armsOf(next);
      arms.forEach((arm, i) => {
        if (arm !== nextArms[i]) assert.deepEqual([arm, nextArms[i]], ['control', 'c']);
      });
      allocation = next;
      arms = nextArms;
    }
  });

  test('generic reweight: measured fraction moved, fresh layout vs minimal-move reweighting', () => {
    const from = [{ name: 'control', weight: 0.5 }, { name: 'b', weight: 0.25 }, { name: 'c', weight: 0.25 }];
    const to = [{ name: 'control', weight: 0.34 }, { name: 'b', weight: 0.33 }, { name: 'c', weight: 0.33 }];
    const before = allocateBuckets(from);
    const fresh = allocateBuckets(to);
    const minimal = allocateBuckets(to, before);
    const totalVariation = 0.16; // ½ Σ |old − new| = ½ (0.16 + 0.08 + 0.08)
    const movedFresh = unitsMoved(armsOf(before), armsOf(fresh));
    const movedMinimal = unitsMoved(armsOf(before), armsOf(minimal));
    console.log(
      `reweight 50/25/25 → 34/33/33: fresh layout moves ${movedFraction(before, fresh)} of buckets (${movedFresh.toFixed(4)} of 100k units); ` +
        `minimal-move reweighting ${movedFraction(before, minimal)} (${movedMinimal.toFixed(4)}); lower bound ${totalVariation}`,
    );
    assert.ok(Math.abs(movedFraction(before, minimal) - totalVariation) < 1e-12);
    assert.ok(Math.abs(movedFraction(before, fresh) - 0.24) < 1e-12);
    assert.ok(Math.abs(movedMinimal - totalVariation) < 0.01);
  });

  test('arms can be added and removed when reweighting', () => {
    const before = allocateBuckets(two(0.5));
    const after = allocateBuckets([{ name: 'control', weight: 0.5 }, { name: 'treatment', weight: 0.25 }, { name: 'new', weight: 0.25 }], before);
    assert.ok(Math.abs(movedFraction(before, after) - 0.25) < 1e-12);
    const removed = allocateBuckets([{ name: 'control', weight: 1 }], after);
    assert.deepEqual(removed.arms, [{ name: 'control', ranges: [{ start: 0, end: 10000 }] }]);
  });

  test('invalid weights and allocations throw invalid_argument naming the field', () => {
    const bad = (f: () => unknown, field: string) =>
      assert.throws(f, (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.message.includes(field));
    bad(() => allocateBuckets([]), 'arms');
    bad(() => allocateBuckets([{ name: 'a', weight: 0 }, { name: 'b', weight: 0 }]), 'weight must sum');
    bad(() => allocateBuckets([{ name: 'a', weight: -1 }, { name: 'b', weight: 2 }]), 'arms[0].weight');
    bad(() => allocateBuckets([{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }]), 'arms[1].name');
    bad(() => allocateBuckets(two(0.5), { arms: [{ name: 'control', ranges: [{ start: 0, end: 10 }] }] }), 'previous allocation');
    bad(() => createArmRouter(hasher, SALT, { arms: [{ name: 'x', ranges: [{ start: 0, end: 5 }] }] }), 'allocation');
  });
});
