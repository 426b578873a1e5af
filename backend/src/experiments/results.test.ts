import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencySketch } from '../monitor/latency-sketch.ts';
import { abtest, abtestUnits } from '../stats/abtest/abtest.ts';
import { srm } from '../stats/abtest/srm.ts';
import { allocateBuckets } from '../serving/assignment.ts';
import { splitPeriods } from './experiment-results.ts';
import type { Experiment, ExperimentSettings } from './experiment-store.ts';
import { emptyCounts, latencySumSquares, METRIC_NAMES, type ArmCounts } from './metric-catalog.ts';
import { computeResults, srmOf } from './results.ts';
import type { UnitArm } from './unit-analysis.ts';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function experiment(arms: [string, number][], settings: Partial<ExperimentSettings> = {}, primaryMetric = 'ctr'): Experiment {
  const list = arms.map(([name, weight], i) => ({ name, version: `v${i + 1}`, weight }));
  return {
    id: 'exp_test',
    model: 'm',
    status: 'running',
    primaryMetric,
    arms: list,
    allocation: allocateBuckets(list),
    salt: 's',
    settings: {
      guardrails: [],
      metrics: ['ctr', 'error_rate', 'latency'],
      sequential: true,
      tuning: 5000,
      alpha: 0.05,
      minSampleSize: 1000,
      maxSampleSize: null,
      minimumEffect: null,
      autoDecide: false,
      ...settings,
    },
    weightHistory: [{ at: T0, weights: list.map((a) => a.weight) }],
    description: null,
    createdBy: 'test',
    startedAt: T0,
    stoppedAt: null,
    stoppedBy: null,
    decision: null,
    stopReason: null,
    updatedAt: T0,
  };
}

/** n impressions/requests, clicks at rate ctr, latency mean 20 ms ± 5. */
function counts(n: number, ctr: number, errors = 0): ArmCounts {
  return {
    ...emptyCounts(),
    requests: n,
    impressions: n,
    clicks: Math.round(n * ctr),
    errors,
    latencyCount: n,
    latencySum: 20 * n,
    latencySumSq: n * (400 + 25),
    scoreCount: n,
    scoreSum: 0.3 * n,
    scoreSumSq: n * (0.09 + 0.01),
  };
}

function assertFiniteNumbers(value: unknown, where = '$'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${where} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFiniteNumbers(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertFiniteNumbers(v, `${where}.${k}`);
}

const window = { from: T0, to: T0 + 24 * HOUR };

/** An arm of `units` units with `per` impressions each; clicks spread as `clicks` per unit (one value per unit). */
function unitArm(clicks: number[], per: number, expectedUnits: number): UnitArm {
  const n = clicks.length;
  const y = clicks.reduce((a, b) => a + b, 0);
  const sums = { n, x: n * per, y, xx: n * per * per, yy: clicks.reduce((a, b) => a + b * b, 0), xy: per * y };
  const empty = { n, x: 0, y: 0, xx: 0, yy: 0, xy: 0 };
  return { units: n, requests: n * per, expectedUnits, metrics: Object.fromEntries(METRIC_NAMES.map((m) => [m, m === 'ctr' ? sums : empty])) };
}

describe('computeResults by randomization unit', () => {
  test('every comparison is abtestUnits() on the per-unit sums; SRM counts units; events and units apart', () => {
    const e = experiment([['control', 1], ['treatment', 1]], { sequential: false, minSampleSize: 1000 });
    // 200 units × 20 impressions per arm; clicks concentrated on a few units.
    const control = unitArm(Array.from({ length: 200 }, (_, i) => (i < 20 ? 10 : 0)), 20, 200);
    const treatment = unitArm(Array.from({ length: 200 }, (_, i) => (i < 27 ? 10 : 0)), 20, 200);
    const c = [counts(4000, 0.05), counts(4000, 0.0675)];
    const r = computeResults({ experiment: e, counts: c, expectedRequests: [4000, 4000], units: [control, treatment], window });
    assert.equal(r.analysisUnit, 'unit');
    const ctr = r.metrics.find((m) => m.metric === 'ctr')!;
    assert.equal(ctr.analysisUnit, 'unit');
    const expected = abtestUnits({ control: control.metrics.ctr!, treatment: treatment.metrics.ctr!, alpha: 0.05 });
    assert.equal(ctr.arms[1]!.comparison!.pValue, expected.pValue);
    assert.equal(ctr.arms[1]!.comparison!.se, expected.se);
    assert.deepEqual([ctr.arms[1]!.units, ctr.arms[1]!.events, ctr.arms[1]!.sum], [200, 4000, 270]);
    // The per-impression test of the same counts would call it significant; by unit it is not.
    assert.ok(abtest({ metric: 'proportion', control: { n: 4000, sum: 200 }, treatment: { n: 4000, sum: 270 } }).pValue < 0.05);
    assert.ok(expected.pValue > 0.05);
    assert.equal(r.srm.counted, 'units');
    assert.deepEqual(r.srm.counts, [200, 200]);
    assert.deepEqual(r.arms.map((a) => a.units), [200, 200]);
    // The decision's sample stays in events of the primary metric.
    assert.equal(r.decision.arms[0]!.sampleSize, 8000);
    assertFiniteNumbers(r);
  });

  test('without units, or with an arm under 2 units, the analysis is by event and a note says why', () => {
    const e = experiment([['control', 1], ['treatment', 1]]);
    const c = [counts(2000, 0.05), counts(2000, 0.05)];
    const none = computeResults({ experiment: e, counts: c, expectedRequests: [1, 1], window });
    assert.equal(none.analysisUnit, 'event');
    assert.equal(none.srm.counted, 'requests');
    assert.ok(none.notes.some((n) => n.includes('no prediction carries a unitId')));
    const few = computeResults({ experiment: e, counts: c, expectedRequests: [1, 1], units: [unitArm([1], 20, 1), unitArm([1, 0], 20, 1)], window });
    assert.equal(few.analysisUnit, 'event');
    assert.ok(few.notes.some((n) => n.includes('fewer than 2 units')));
  });
});

describe('computeResults', () => {
  test('two arms: the primary comparison is abtest() on the arm counts, decision promote', () => {
    const e = experiment([['control', 0.5], ['treatment', 0.5]], { guardrails: [{ metric: 'latency', direction: 'lower', margin: 0.05, difference: 'relative' }] });
    const c = [counts(10_000, 0.05), counts(10_000, 0.065)];
    const r = computeResults({ experiment: e, counts: c, expectedRequests: [10_000, 10_000], window });
    assertFiniteNumbers(r);
    const t = r.metrics[0]!.arms[1]!.comparison!;
    const pure = abtest({ metric: 'proportion', control: { n: 10_000, sum: 500 }, treatment: { n: 10_000, sum: 650 }, sequential: { tuning: 5000 } });
    assert.equal(t.pValue, pure.pValue);
    assert.deepEqual(t.ci, pure.ci);
    assert.equal(t.chanceToWin, pure.chanceToWin);
    assert.deepEqual(t.expectedLoss, pure.expectedLoss);
    assert.equal(r.decision.recommendation, 'promote');
    assert.deepEqual(r.decision.winner, { arm: 'treatment', version: 'v2' });
    assert.equal(r.guardrails[0]?.status, 'non_inferior');
    // Traffic rate over the window gives the time to decision; already powered → 0 ms.
    assert.equal(t.power.additionalSampleSize, 0);
    assert.equal(t.power.estimatedMs, 0);
    const latency = r.metrics.find((m) => m.metric === 'latency')!;
    assert.equal(latency.role, 'guardrail');
    assert.equal(latency.arms[0]!.mean, 20);
  });

  test('Holm across the family; three arms: the best significant arm wins, Holm across arms noted', () => {
    const e = experiment([['a', 1 / 3], ['b', 1 / 3], ['c', 1 / 3]]);
    const r = computeResults({ experiment: e, counts: [counts(20_000, 0.05), counts(20_000, 0.058), counts(20_000, 0.066)], expectedRequests: [20_000, 20_000, 20_000], window });
    assert.equal(r.decision.recommendation, 'promote');
    assert.deepEqual(r.decision.winner, { arm: 'c', version: 'v3' });
    assert.match(r.notes.join('\n'), /Holm-adjusted across the 2 treatment arms/);
    const comparisons = r.metrics.flatMap((m) => m.arms.flatMap((a) => (a.comparison ? [a.comparison] : [])));
    assert.equal(comparisons.length, 3 * 2);
    const sorted = [...comparisons].sort((x, y) => x.pValue - y.pValue);
    // Holm: the smallest p-value is multiplied by the family size (6).
    assert.equal(sorted[0]!.adjustedPValue, Math.min(1, 6 * sorted[0]!.pValue));
    for (const c of comparisons) assert.ok(c.adjustedPValue >= c.pValue);
  });

  test('every treatment significantly worse → rollback; mixed → keep_running', () => {
    const e = experiment([['a', 1 / 3], ['b', 1 / 3], ['c', 1 / 3]]);
    const worse = computeResults({ experiment: e, counts: [counts(20_000, 0.07), counts(20_000, 0.05), counts(20_000, 0.05)], expectedRequests: [1, 1, 1], window });
    assert.equal(worse.decision.recommendation, 'rollback');
    assert.match(worse.decision.reasons[0]!, /^arm "b": ctr: .* significantly worse/);
    const mixed = computeResults({ experiment: e, counts: [counts(20_000, 0.07), counts(20_000, 0.05), counts(20_000, 0.07)], expectedRequests: [1, 1, 1], window });
    assert.equal(mixed.decision.recommendation, 'keep_running');
  });

  test('a harmful guardrail rolls back even when the primary wins', () => {
    const e = experiment([['control', 0.5], ['treatment', 0.5]], { guardrails: [{ metric: 'error_rate', direction: 'lower', margin: 0.005, difference: 'absolute' }] });
    const r = computeResults({ experiment: e, counts: [counts(20_000, 0.05, 20), counts(20_000, 0.07, 600)], expectedRequests: [1, 1], window });
    assert.equal(r.decision.recommendation, 'rollback');
    assert.equal(r.guardrails[0]?.status, 'harmful');
  });

  test('no traffic at all: defined results, keep running, never NaN', () => {
    for (const sequential of [true, false]) {
      const e = experiment([['control', 0.5], ['treatment', 0.5]], { sequential, minSampleSize: 5000, metrics: ['ctr', 'cvr', 'error_rate', 'latency', 'score', 'positive_rate'] });
      const r = computeResults({ experiment: e, counts: [emptyCounts(), emptyCounts()], expectedRequests: [0, 0], window: { from: T0, to: T0 } });
      assertFiniteNumbers(r);
      assert.equal(r.decision.recommendation, 'keep_running');
      assert.equal(r.srm.pValue, 1);
      assert.equal(r.metrics[0]!.arms[1]!.comparison!.status, 'insufficient_data');
      assert.equal(r.metrics[0]!.arms[1]!.comparison!.power.estimatedMs, null);
    }
  });

  test('zero errors in both arms: the error-rate guardrail is judged on Agresti–Caffo counts, so it can pass', () => {
    const e = experiment([['control', 0.5], ['treatment', 0.5]], { guardrails: [{ metric: 'error_rate', direction: 'lower', margin: 0.01, difference: 'absolute' }] });
    const r = computeResults({ experiment: e, counts: [counts(10_000, 0.05), counts(10_000, 0.065)], expectedRequests: [1, 1], window });
    assert.equal(r.guardrails[0]?.status, 'non_inferior');
    assert.equal(r.decision.recommendation, 'promote');
    const adjusted = abtest({ metric: 'proportion', control: { n: 10_002, sum: 1 }, treatment: { n: 10_002, sum: 1 }, difference: 'absolute', direction: 'lower', sequential: { tuning: 5000 } });
    assert.equal(r.guardrails[0]?.badSideBound, adjusted.ci[1]);
  });

  test('fixed horizon: keep running before the planned sample, inconclusive at it when flat', () => {
    const e = experiment([['control', 0.5], ['treatment', 0.5]], { sequential: false, minSampleSize: 30_000 });
    const early = computeResults({ experiment: e, counts: [counts(10_000, 0.05), counts(10_000, 0.05)], expectedRequests: [1, 1], window });
    assert.equal(early.decision.recommendation, 'keep_running');
    const done = computeResults({ experiment: e, counts: [counts(20_000, 0.05), counts(20_000, 0.0502)], expectedRequests: [1, 1], window });
    assert.equal(done.decision.recommendation, 'inconclusive');
    assert.equal(done.metrics[0]!.arms[1]!.comparison!.pValue, abtest({ metric: 'proportion', control: { n: 20_000, sum: 1000 }, treatment: { n: 20_000, sum: 1004 } }).pValue);
  });

  test('clicks above impressions (pre-aggregated outcomes) are capped with a note', () => {
    const e = experiment([['control', 0.5], ['treatment', 0.5]]);
    const c = [counts(100, 0.05), { ...counts(100, 0.05), clicks: 130 }];
    const r = computeResults({ experiment: e, counts: c, expectedRequests: [1, 1], window });
    assertFiniteNumbers(r);
    assert.equal(r.metrics[0]!.arms[1]!.sum, 100);
    assert.equal(r.metrics[0]!.arms[1]!.capped, 30);
    assert.match(r.notes.join('\n'), /30 successes above n were capped/);
  });
});

describe('SRM over weight periods', () => {
  test('expected counts are the mix of the splits; equals srm() with those as weights', () => {
    // 10,000 requests at 90/10, then 10,000 at 50/50: expected 14,000 / 6,000.
    const expected = [0.9 * 10_000 + 0.5 * 10_000, 0.1 * 10_000 + 0.5 * 10_000];
    const ok = srmOf([14_050, 5_950], expected);
    assert.equal(ok.mismatch, false);
    assert.deepEqual(ok.expected, [14_000, 6_000]);
    assert.equal(ok.pValue, srm({ counts: [14_050, 5_950], weights: [0.7, 0.3] }).pValue);
    // Judged against the final 50/50 split alone it would look broken.
    assert.equal(srm({ counts: [14_050, 5_950], weights: [0.5, 0.5] }).mismatch, true);
    assert.equal(srmOf([0, 0], [0, 0]).reason, 'no requests yet');
  });

  test('splitPeriods: whole-minute boundaries, disjoint, covering the window', () => {
    const e = experiment([['a', 0.9], ['b', 0.1]]);
    e.startedAt = T0 + 10_500;
    e.weightHistory = [
      { at: T0 + 10_500, weights: [0.9, 0.1] },
      { at: T0 + 5 * 60_000 + 30_000, weights: [0.5, 0.5] },
      { at: T0 + 5 * 60_000 + 40_000, weights: [0.4, 0.6] },
      { at: T0 + 20 * 60_000 + 1, weights: [0.2, 0.8] },
    ];
    const periods = splitPeriods(e, e.startedAt, T0 + 30 * 60_000);
    assert.deepEqual(periods, [
      { from: T0 + 10_500, to: T0 + 5 * 60_000, weights: [0.9, 0.1] },
      { from: T0 + 5 * 60_000, to: T0 + 20 * 60_000, weights: [0.4, 0.6] },
      { from: T0 + 20 * 60_000, to: T0 + 30 * 60_000, weights: [0.2, 0.8] },
    ]);
    assert.deepEqual(splitPeriods(e, e.startedAt, e.startedAt), [{ from: e.startedAt, to: e.startedAt, weights: [0.9, 0.1] }]);
  });
});

describe('latency Σx² from the sketch', () => {
  test('exact mean; variance within 2% of the exact one', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
    const sketch = new LatencySketch();
    let sum = 0;
    let sumSq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const x = Math.exp(3 + 0.6 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
      sketch.add(x);
      sum += x;
      sumSq += x * x;
    }
    const approx = latencySumSquares(sketch, n, sum);
    const variance = (s2: number) => (s2 - (sum * sum) / n) / (n - 1);
    assert.ok(Math.abs(variance(approx) / variance(sumSq) - 1) < 0.02, `${variance(approx)} vs ${variance(sumSq)}`);
    assert.equal(latencySumSquares(undefined, 0, 0), 0);
    const one = new LatencySketch();
    one.add(12);
    assert.equal(latencySumSquares(one, 1, 12), 144);
  });
});
