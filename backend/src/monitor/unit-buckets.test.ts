/**
 * The approximation error of the unit buckets against the exact per-unit delta method, on
 * simulated heavy-tailed units (testing/unit-traffic.ts: Beta propensities around 3 %,
 * 1 + ⌊2·Lomax(1.3)⌋ requests capped at 200), fixed seeds:
 * - the CTR standard error from the buckets (Σ_b over UNIT_BUCKETS bucket totals, n = units)
 *   is within a few per cent of the per-unit one (figures in docs/concepts/ab-testing.md);
 * - A/A comparisons reject as often with either (the same false-positive behaviour).
 * And the pieces: the hash spreads units evenly, the read plan tiles any window, the blob
 * encoding round-trips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, type Rng } from '../core/random.ts';
import { abtestUnits } from '../stats/abtest/abtest.ts';
import { ratioMoments, type UnitRatioSums } from '../stats/abtest/ratio.ts';
import { simulateUnits } from '../testing/unit-traffic.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { DAY_MS, UNIT_BUCKETS, UNIT_WIDTH, unitBucket, type BucketSums } from './unit-buckets.ts';
import { decodeSums, encodeSums, planUnitRead } from './unit-store.ts';

const POPULATION = { meanCtr: 0.03, concentration: 10, tail: 1.3, maxRequests: 200 };

/** One arm: per-unit (impressions, clicks), as exact per-unit sums and as bucket sums. */
function arm(units: number, rng: Rng, prefix: string): { exact: UnitRatioSums; buckets: UnitRatioSums } {
  const exact = { n: units, x: 0, y: 0, xx: 0, yy: 0, xy: 0 };
  const bx = new Float64Array(UNIT_BUCKETS);
  const by = new Float64Array(UNIT_BUCKETS);
  for (const u of simulateUnits({ units, ...POPULATION }, rng, prefix)) {
    let clicks = 0;
    for (let i = 0; i < u.requests; i++) if (rng() < u.propensity) clicks++;
    const x = u.requests;
    exact.x += x;
    exact.y += clicks;
    exact.xx += x * x;
    exact.yy += clicks * clicks;
    exact.xy += x * clicks;
    const b = unitBucket(u.id);
    bx[b]! += x;
    by[b]! += clicks;
  }
  const buckets = { n: units, x: exact.x, y: exact.y, xx: 0, yy: 0, xy: 0 };
  for (let b = 0; b < UNIT_BUCKETS; b++) {
    buckets.xx += bx[b]! * bx[b]!;
    buckets.yy += by[b]! * by[b]!;
    buckets.xy += bx[b]! * by[b]!;
  }
  return { exact, buckets };
}

const se = (s: UnitRatioSums) => Math.sqrt(ratioMoments(s).variance / s.n);

test('bucket SE of a heavy-tailed CTR is within a few per cent of the per-unit SE', () => {
  const ratios: number[] = [];
  for (let seed = 1; seed <= 30; seed++) {
    const { exact, buckets } = arm(20_000, createRng(seed), `s${seed}`);
    ratios.push(se(buckets) / se(exact));
  }
  const errors = ratios.map((r) => Math.abs(r - 1)).sort((a, b) => a - b);
  const median = errors[Math.floor(errors.length / 2)]!;
  const worst = errors[errors.length - 1]!;
  // 256 buckets: about 1/√(2·256) ≈ 4.4 % for light tails; these tails add a little.
  assert.ok(median < 0.05, `median |SE ratio − 1| ${median}`);
  assert.ok(worst < 0.15, `worst |SE ratio − 1| ${worst}`);
  // No bias: the buckets' cross terms have mean zero.
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  assert.ok(Math.abs(mean - 1) < 0.02, `mean SE ratio ${mean}`);
});

test('A/A: the bucket analysis rejects as often as the per-unit one', () => {
  let exactFp = 0;
  let bucketFp = 0;
  let disagree = 0;
  const runs = 300;
  for (let k = 0; k < runs; k++) {
    const rng = createRng(1000 + k);
    const c = arm(1500, rng, `c${k}`);
    const t = arm(1500, rng, `t${k}`);
    const e = abtestUnits({ control: c.exact, treatment: t.exact, difference: 'absolute' }).significant;
    const b = abtestUnits({ control: c.buckets, treatment: t.buckets, difference: 'absolute' }).significant;
    if (e) exactFp++;
    if (b) bucketFp++;
    if (e !== b) disagree++;
  }
  // Both near α = 0.05 (300 runs: ±2.5 %), and nearly always the same verdict.
  assert.ok(exactFp >= 6 && exactFp <= 27, `per-unit false positives ${exactFp}/${runs}`);
  assert.ok(Math.abs(bucketFp - exactFp) <= 4, `bucket ${bucketFp} vs per-unit ${exactFp} false positives of ${runs}`);
  assert.ok(disagree <= 6, `${disagree} of ${runs} verdicts differ`);
});

test('the hash spreads unit ids evenly over the buckets', () => {
  const counts = new Array<number>(UNIT_BUCKETS).fill(0);
  const n = 256_000;
  for (let i = 0; i < n; i++) counts[unitBucket(`user-${i}`)]!++;
  // Chi-square with 255 df: mean 255, sd ≈ 22.6; 400 is far in the tail.
  const expected = n / UNIT_BUCKETS;
  const chi2 = counts.reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
  assert.ok(chi2 < 400, `chi-square ${chi2}`);
  assert.equal(unitBucket('user-1'), unitBucket('user-1'));
});

test('the read plan tiles a window with day, hour and minute blocks', () => {
  const day0 = Date.UTC(2026, 0, 1);
  const from = day0 - 3 * HOUR_MS - 7 * MINUTE_MS;
  const to = day0 + 5 * DAY_MS + 2 * HOUR_MS + 11 * MINUTE_MS;
  const plan = planUnitRead(from, to);
  let at = from;
  for (const p of [...plan].sort((a, b) => a.from - b.from)) {
    assert.equal(p.from, at);
    assert.equal(p.from % p.bucketMs, 0);
    assert.equal((p.to - p.from) % p.bucketMs, 0);
    at = p.to;
  }
  assert.equal(at, to);
  assert.deepEqual(plan.map((p) => p.bucketMs).sort(), [DAY_MS, HOUR_MS, HOUR_MS, MINUTE_MS, MINUTE_MS].sort());
  assert.deepEqual(planUnitRead(day0, day0 + 5 * MINUTE_MS), [{ bucketMs: MINUTE_MS, from: day0, to: day0 + 5 * MINUTE_MS }]);
});

test('bucket sums round-trip through their encoding', () => {
  const sums: BucketSums = new Map([
    [3, Float64Array.from({ length: UNIT_WIDTH }, (_, i) => i + 0.5)],
    [UNIT_BUCKETS - 1, Float64Array.from({ length: UNIT_WIDTH }, (_, i) => -i)],
  ]);
  const back = decodeSums(encodeSums(sums));
  assert.deepEqual([...back.keys()], [3, UNIT_BUCKETS - 1]);
  assert.deepEqual([...back.get(3)!], [...sums.get(3)!]);
  assert.deepEqual([...back.get(UNIT_BUCKETS - 1)!], [...sums.get(UNIT_BUCKETS - 1)!]);
});
