import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildProfile } from '../stats/profile.ts';
import { chooseStep, driftOfWindow, methodsForRange, planForWindows, planResolution, resolveRange } from './queries.ts';

const H = 3_600_000;
const M = 60_000;
const T = Date.UTC(2026, 0, 5, 0, 0, 0);

describe('resolveRange', () => {
  test('defaults: to = now (minute rounded up), from = to − 6h, ≤ 1000 windows of a nice step', () => {
    const r = resolveRange({}, T + 30_500);
    assert.equal(r.to, T + M);
    assert.equal(r.from, T + M - 6 * H);
    assert.equal(r.step, M);
    assert.equal(r.starts.length, 360);
    assert.equal(chooseStep(0, 7 * 24 * H), 15 * M);
  });

  test('step rounds up to whole minutes; windows align to multiples of step', () => {
    const r = resolveRange({ from: T + 17 * M, to: T + 3 * H, step: 90_000 }, T);
    assert.equal(r.step, 2 * M);
    assert.equal(r.starts[0], T + 16 * M);
    assert.equal(r.readTo, T + 3 * H);
  });

  test('drift: no step → one window over the whole range', () => {
    const r = resolveRange({ from: T + 10 * M, to: T + 7 * 24 * H }, T, { wholeRange: true });
    assert.deepEqual(r.starts, [T + 10 * M]);
    assert.equal(r.step, 7 * 24 * H - 10 * M);
  });

  test('bad ranges name the parameter', () => {
    assert.throws(() => resolveRange({ from: T, to: T }, T), /query\.from must be at least a minute before query\.to/);
    assert.throws(() => resolveRange({ from: 0, to: 30 * 24 * H, step: M }, T), /query\.step: 60s over this range gives 43200 windows/);
  });
});

describe('planResolution', () => {
  test('whole hours from hour rollups, edges from minutes', () => {
    const plan = planResolution(T + 10 * M, T + 3 * H + 5 * M);
    assert.deepEqual(plan.hours, [[T + H, T + 3 * H]]);
    assert.deepEqual(plan.minutes, [
      [T + 10 * M, T + H],
      [T + 3 * H, T + 3 * H + 5 * M],
    ]);
  });

  test('an hour straddling two windows comes from minutes', () => {
    const r = resolveRange({ from: T, to: T + 6 * H, step: 90 * M }, T);
    const plan = planForWindows(r);
    // Windows [0,1.5h), [1.5h,3h), ...: hour 0, 2, 3, 5 lie in one window each; 1 and 4 straddle.
    assert.deepEqual(plan.hours, [
      [T, T + H],
      [T + 2 * H, T + 4 * H],
      [T + 5 * H, T + 6 * H],
    ]);
    assert.deepEqual(plan.minutes, [
      [T + H, T + 2 * H],
      [T + 4 * H, T + 5 * H],
    ]);
  });

  test('hours ending after hoursUntil come from minutes', () => {
    const plan = planResolution(T, T + 4 * H, T + 2 * H + 30 * M);
    assert.deepEqual(plan.hours, [[T, T + 2 * H]]);
    assert.deepEqual(plan.minutes, [[T + 2 * H, T + 4 * H]]);
  });

  test('planning the largest range is constant work (issue 16: a loop per hour stalled the event loop)', () => {
    // 2.8e8 hours: the old loop took tens of seconds here; the suite's timeout catches a regression.
    const plan = planResolution(0, 1e15);
    assert.deepEqual(plan.hours, [[0, Math.floor(1e15 / H) * H]]);
    const whole = planForWindows(resolveRange({ from: 0, to: 1e15 }, 0, { wholeRange: true }));
    assert.equal(whole.hours.length, 1);
  });

  test('minute steps never use hours', () => {
    const plan = planForWindows(resolveRange({ from: T, to: T + 2 * H, step: 5 * M }, T));
    assert.deepEqual(plan.hours, []);
    assert.deepEqual(plan.minutes, [[T, T + 2 * H]]);
  });
});

describe('driftOfWindow', () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({ x: i % 100, c: ['a', 'b', 'c', 'd'][i % 4] }));
  const profile = buildProfile(rows, [
    { name: 'x', type: 'numeric' },
    { name: 'c', type: 'categorical' },
  ]);

  test('the reference against itself drifts nowhere; a shifted window drifts in x only', () => {
    const ref = profile.features.map((f) => f.counts);
    const methods = methodsForRange(profile, ref);
    assert.deepEqual(methods, ['ks', 'chi_square']);
    const same = driftOfWindow(profile, ref, [0, 1], {}, methods);
    assert.equal(same.driftShare, 0);
    assert.deepEqual(same.driftedFeatures, []);
    // All of x above the reference's range, c unchanged.
    const xCounts = new Array(ref[0]!.length).fill(0);
    xCounts[xCounts.length - 2] = 400;
    const shifted = driftOfWindow(profile, [xCounts, ref[1]!], [0, 1], {}, methods);
    assert.deepEqual(shifted.driftedFeatures, ['x']);
    assert.equal(shifted.driftShare, 0.5);
    assert.equal(shifted.datasetDrifted, true);
    const x = shifted.features.find((f) => f.feature === 'x')!;
    assert.equal(x.method, 'ks');
    assert.equal(x.score, 1);
  });

  test('explicit methods apply to every feature they fit', () => {
    const ref = profile.features.map((f) => f.counts);
    const d = driftOfWindow(profile, ref, [0, 1], { methods: ['psi', 'wasserstein'] }, []);
    assert.deepEqual(
      d.features.map((f) => `${f.feature}:${f.method}`),
      ['x:psi', 'x:wasserstein', 'c:psi'],
    );
  });

  test('an empty window is insufficient data, not drift', () => {
    const zeros = profile.features.map((f) => new Array(f.counts.length).fill(0));
    const d = driftOfWindow(profile, zeros, [0, 1], {}, methodsForRange(profile, zeros));
    assert.equal(d.driftShare, 0);
    assert.equal(d.datasetDrifted, false);
    assert.ok(d.features.every((f) => f.insufficientData === true && f.drifted === false));
  });
});
