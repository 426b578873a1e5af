import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { addOutcome, addPrediction, createRollup, type Rollup } from './rollup.ts';
import { KPI_NAMES, bucketize, kpiValue, kpiValues, totalsOf, wilsonInterval, windowStarts, type KpiSeries } from './kpi.ts';

interface Minute {
  version: string;
  arm: string;
  bucketStart: number;
  requests: number;
  errors: number;
  impressions: number;
  clicks: number;
  conversions: number;
  latencies: number[];
}
interface Expected {
  version: string;
  arm: string;
  series: Record<string, { points: [number, number | null][]; counts?: [number, number][]; ci?: ([number, number] | null)[] }>;
}
const fixtures = JSON.parse(readFileSync(new URL('./testdata/kpi-fixtures.json', import.meta.url), 'utf8')) as {
  wilson: { successes: number; trials: number; confidence: number; ci: [number, number] }[];
  windows: { minutes: Minute[]; query: { from: number; to: number; step: number }; expected: Expected[] };
};

/** Rollups built record by record from the fixture's per-minute traffic. */
function rollupsOf(minutes: Minute[]): Rollup[] {
  return minutes.map((m) => {
    const r = createRollup({ model: 'm', version: m.version, arm: m.arm, bucketStart: m.bucketStart, bucketMs: 60_000 });
    for (let i = 0; i < m.requests; i++) {
      const failed = i < m.errors;
      addPrediction(r, { ts: m.bucketStart, version: m.version, error: failed, latencyMs: failed ? null : m.latencies[i - m.errors] });
      addOutcome(r, { impression: i < m.impressions, click: i < m.clicks, conversion: i < m.conversions });
    }
    return r;
  });
}

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

describe('wilsonInterval', () => {
  test('matches statsmodels proportion_confint(method="wilson") (fixture)', () => {
    for (const c of fixtures.wilson) {
      const got = wilsonInterval(c.successes, c.trials, c.confidence)!;
      assert.ok(close(got[0], c.ci[0]) && close(got[1], c.ci[1]), `${JSON.stringify(c)} got ${got}`);
    }
  });

  test('degenerate counts give null, not NaN', () => {
    assert.equal(wilsonInterval(0, 0), null);
    assert.equal(wilsonInterval(5, 3), null);
    assert.equal(wilsonInterval(-1, 3), null);
    assert.equal(wilsonInterval(Number.NaN, 3), null);
    assert.throws(() => wilsonInterval(1, 2, 1), /confidence/);
  });
});

const NO_QUALITY = { accuracy: null, precision: null, recall: null, f1: null, auc: null, log_loss: null, calibration_error: null, label_delay_mean: null };

describe('kpi values', () => {
  test('one record', () => {
    const r = createRollup({ model: 'm', version: 'v', arm: 'A', bucketStart: 0, bucketMs: 60_000 });
    addPrediction(r, { ts: 0, version: 'v', latencyMs: 87.5, score: 0.3 });
    addOutcome(r, { impression: true, click: true });
    assert.deepEqual(kpiValues(totalsOf([r])), {
      ctr: 1,
      cvr: 0,
      latency_p50: 87.5,
      latency_p90: 87.5,
      latency_p99: 87.5,
      error_rate: 0,
      requests: 1,
      ...NO_QUALITY,
      label_coverage: 0,
    });
  });

  test('online quality from labelled outcomes (score histograms, threshold 0.5)', () => {
    const r = createRollup({ model: 'm', version: 'v', arm: 'A', bucketStart: 0, bucketMs: 60_000 });
    // (score, label): two positives above 0.5, one below; one negative above, two below.
    const rows: [number, 0 | 1][] = [[0.9, 1], [0.7, 1], [0.2, 1], [0.6, 0], [0.1, 0], [0.3, 0]];
    for (const [score, label] of rows) {
      addPrediction(r, { ts: 0, version: 'v', score });
      addOutcome(r, { label, score, labelDelayMs: 1000 * (label + 1) });
    }
    addPrediction(r, { ts: 0, version: 'v', score: 0.5 }); // never labelled
    const v = kpiValues(totalsOf([r]));
    assert.equal(v.accuracy, 4 / 6);
    assert.equal(v.precision, 2 / 3);
    assert.equal(v.recall, 2 / 3);
    assert.equal(v.f1, 2 / 3);
    // Pairs (pos > neg): 0.9 > all 3, 0.7 > all 3, 0.2 > 0.1 only → 7 / 9 (no ties in a bin).
    assert.equal(v.auc, 7 / 9);
    assert.equal(v.label_coverage, 6 / 7);
    assert.equal(v.label_delay_mean, 1500);
    assert.ok(v.log_loss !== null && v.log_loss > 0);
    assert.ok(v.calibration_error !== null && v.calibration_error >= 0 && v.calibration_error <= 1);
    // At threshold 0.15 the negative at 0.1 stays negative, every other row is positive.
    assert.equal(kpiValue(totalsOf([r]), 'recall', 0.15), 1);
    assert.equal(kpiValue(totalsOf([r]), 'precision', 0.15), 3 / 5);
  });

  test('no impressions, no clicks, no requests → null', () => {
    const r = createRollup({ model: 'm', version: 'v', arm: 'A', bucketStart: 0, bucketMs: 60_000 });
    const t = totalsOf([r]);
    assert.deepEqual(kpiValues(t), {
      ctr: null,
      cvr: null,
      latency_p50: null,
      latency_p90: null,
      latency_p99: null,
      error_rate: null,
      requests: 0,
      ...NO_QUALITY,
      label_coverage: null,
    });
    assert.equal(kpiValue(totalsOf([]), 'requests'), null);
  });
});

describe('bucketize', () => {
  const { minutes, query, expected } = fixtures.windows;
  const { series } = bucketize(rollupsOf(minutes), query.from, query.to, query.step);

  test('series per version and arm, in order, per docs/api.md', () => {
    assert.deepEqual(
      series.map((s) => `${s.version}/${s.arm}/${s.kpi}`),
      ['A', 'B'].flatMap((arm) =>
        KPI_NAMES.map((k) => `v1/${arm}/${k}`),
      ),
    );
    for (const s of series) assert.equal(s.points.length, 4);
    assert.doesNotMatch(JSON.stringify({ series }), /NaN|Infinity/);
  });

  test('proportions, counts, intervals and requests match the fixture', () => {
    for (const e of expected) {
      for (const kpi of ['ctr', 'cvr', 'error_rate', 'requests'] as const) {
        const s = series.find((x) => x.arm === e.arm && x.kpi === kpi) as KpiSeries;
        const want = e.series[kpi]!;
        s.points.forEach(([ts, v], i) => {
          const [wts, wv] = want.points[i]!;
          assert.equal(ts, wts);
          if (wv === null) assert.equal(v, null, `${e.arm} ${kpi} ${i}`);
          else assert.ok(v !== null && close(v, wv), `${e.arm} ${kpi} ${i}: ${v} vs ${wv}`);
        });
        if (want.counts) assert.deepEqual(s.counts, want.counts);
        if (want.ci) {
          s.ci!.forEach((ci, i) => {
            const w = want.ci![i]!;
            if (w === null) assert.equal(ci, null);
            else assert.ok(ci !== null && close(ci[0], w[0]) && close(ci[1], w[1]), `${e.arm} ${kpi} ci ${i}`);
          });
        }
      }
    }
  });

  test('latency quantiles within 1% of exact (fixture)', () => {
    for (const e of expected) {
      for (const kpi of ['latency_p50', 'latency_p90', 'latency_p99'] as const) {
        const s = series.find((x) => x.arm === e.arm && x.kpi === kpi) as KpiSeries;
        s.points.forEach(([, v], i) => {
          const wv = e.series[kpi]!.points[i]![1];
          if (wv === null) assert.equal(v, null);
          else assert.ok(v !== null && Math.abs(v - wv) <= 0.01 * wv, `${e.arm} ${kpi} ${i}: ${v} vs ${wv}`);
        });
      }
    }
  });

  test('filters, KPI choice, empty input', () => {
    const rs = rollupsOf(minutes);
    const only = bucketize(rs, query.from, query.to, query.step, { kpis: ['requests'], arm: 'B' });
    assert.deepEqual(only.series.map((s) => [s.arm, s.kpi]), [['B', 'requests']]);
    assert.equal(only.series[0]!.counts, undefined);
    assert.deepEqual(bucketize([], query.from, query.to, query.step), { series: [] });
    assert.deepEqual(bucketize(rs, query.from, query.to, query.step, { version: 'v9' }), { series: [] });
  });

  test('window alignment and argument checks', () => {
    assert.deepEqual(windowStarts(90_000, 300_000, 60_000), [60_000, 120_000, 180_000, 240_000]);
    assert.deepEqual(windowStarts(0, 1, 60_000), [0]);
    assert.throws(() => windowStarts(5, 5, 60_000), /before/);
    assert.throws(() => windowStarts(0, 10, 0), /step/);
    assert.throws(() => windowStarts(0, 86_400_000 * 30, 60_000), /points/);
    assert.throws(() => bucketize([], 0, 10, 1, { kpis: ['nope' as never] }), /unknown KPI/);
  });
});
