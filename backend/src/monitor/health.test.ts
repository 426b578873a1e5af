import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addOutcome, addPrediction, createRollup, type Rollup } from './rollup.ts';
import { DEFAULT_HEALTH_CONFIG, evaluateHealth, resolveHealthConfig } from './health.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1); // baseline day starts here
const SPAN_START = T0 + DAY; // evaluated span: the 30 minutes after the baseline day
const NOW = SPAN_START + 30 * MIN + 10_000; // 10 s into the minute after the span

interface Traffic {
  requests?: number;
  errors?: number;
  impressions?: number;
  clicks?: number;
  /** Latencies of the successful requests (repeated cyclically). */
  latencies?: number[];
}

function rollup(start: number, bucketMs: number, t: Traffic): Rollup {
  const r = createRollup({ model: 'm', version: 'v1', arm: 'default', bucketStart: start, bucketMs });
  const requests = t.requests ?? 0;
  const lat = t.latencies ?? [50];
  for (let i = 0; i < requests; i++) {
    const failed = i < (t.errors ?? 0);
    addPrediction(r, { ts: start, version: 'v1', error: failed, latencyMs: failed ? null : lat[i % lat.length] });
  }
  addOutcome(r, { impression: t.impressions ?? 0, click: t.clicks ?? 0 });
  return r;
}

/** Baseline: CTR 5% in hour rollups covering the day before the span (and an hour more). */
const baselineDay = (perHourImpressions = 4_000, perHourClicks = 200) =>
  Array.from({ length: 25 }, (_, h) => rollup(T0 - HOUR + h * HOUR, HOUR, { impressions: perHourImpressions, clicks: perHourClicks }));

/** One rollup per minute of the span, traffic chosen per minute index 0..29. */
const span = (f: (i: number) => Traffic | null) =>
  Array.from({ length: 30 }, (_, i) => f(i)).flatMap((t, i) => (t ? [rollup(SPAN_START + i * MIN, MIN, t)] : []));

const fine: Traffic = { requests: 100, errors: 1, impressions: 1000, clicks: 50, latencies: [40, 60, 80] };
const lowCtr: Traffic = { ...fine, clicks: 40 }; // 4% = 20% below 5%

describe('evaluateHealth', () => {
  test('healthy traffic: ok, score 1', () => {
    const h = evaluateHealth([...baselineDay(), ...span(() => fine)], NOW);
    assert.equal(h.status, 'ok');
    assert.equal(h.score, 1);
    assert.deepEqual(h.reasons, []);
    assert.deepEqual(
      h.checks.map((c) => [c.kpi, c.state, c.windowsWithData]),
      [['ctr', 'ok', 30], ['latency_p99', 'ok', 30], ['error_rate', 'ok', 30]],
    );
    assert.equal(h.checks[0]!.baseline, 0.05);
    assert.equal(h.checks[0]!.threshold, 0.0425);
    assert.deepEqual(h.window, { from: '2025-01-02T00:00:00.000Z', to: '2025-01-02T00:30:00.000Z' });
  });

  test('CTR down 20% for all 30 minutes: failing, score 0', () => {
    const h = evaluateHealth([...baselineDay(), ...span(() => lowCtr)], NOW);
    assert.equal(h.status, 'failing');
    assert.equal(h.score, 0);
    assert.equal(h.reasons.length, 1);
    const r = h.reasons[0]!;
    assert.equal(r.kpi, 'ctr');
    assert.equal(r.severity, 'failing');
    assert.equal(r.sustained, true);
    assert.equal(r.value, 0.04);
    assert.equal(r.threshold, 0.0425);
    assert.equal(r.baseline, 0.05);
    assert.ok(Math.abs(r.relativeDrop! - 0.2) < 1e-12);
    assert.equal(r.since, '2025-01-02T00:00:00.000Z');
    assert.equal(r.violatingWindows, 30);
    assert.match(r.message, /CTR 4\.00% is 20\.0% below its baseline 5\.00%.*every one of the last 30 minutes/);
  });

  test('CTR down for the last 10 minutes: degraded, score 2/3, since the run start', () => {
    const h = evaluateHealth([...baselineDay(), ...span((i) => (i < 20 ? fine : lowCtr))], NOW);
    assert.equal(h.status, 'degraded');
    assert.ok(Math.abs(h.score - 2 / 3) < 1e-12);
    const r = h.reasons[0]!;
    assert.equal(r.severity, 'degraded');
    assert.equal(r.sustained, false);
    assert.equal(r.since, '2025-01-02T00:20:00.000Z');
    assert.equal(r.violatingWindows, 10);
    assert.match(r.message, /in 10 of the last 30 minutes.*not yet sustained/);
  });

  test('a minute without data is not a violation: 29 of 30 is not sustained', () => {
    const h = evaluateHealth([...baselineDay(), ...span((i) => (i === 12 ? null : lowCtr))], NOW);
    assert.equal(h.status, 'degraded');
    assert.equal(h.reasons[0]!.since, '2025-01-02T00:13:00.000Z');
    assert.ok(Math.abs(h.score - 1 / 30) < 1e-12);
    // the same with a minute of traffic but no impressions
    const h2 = evaluateHealth([...baselineDay(), ...span((i) => (i === 29 ? { ...lowCtr, impressions: 0, clicks: 0 } : lowCtr))], NOW);
    assert.equal(h2.status, 'degraded');
    assert.equal(h2.reasons[0]!.value, 0.04);
  });

  test('exactly 15% down is not "more than 15%"', () => {
    const h = evaluateHealth([...baselineDay(), ...span(() => ({ ...fine, clicks: 42.5 }))], NOW);
    assert.equal(h.status, 'ok');
  });

  test('p99 latency above 500 ms for 30 minutes: failing', () => {
    // 98 fast requests and 2 slow ones: p99 (rank floor(0.99 × 99) = 98) is a slow one
    const slow: Traffic = { ...fine, errors: 0, latencies: [...Array(98).fill(100), 900, 900] };
    const h = evaluateHealth([...baselineDay(), ...span(() => slow)], NOW);
    assert.equal(h.status, 'failing');
    const r = h.reasons.find((x) => x.kpi === 'latency_p99')!;
    assert.ok(Math.abs(r.value - 900) <= 9, String(r.value));
    assert.equal(r.threshold, 500);
    assert.match(r.message, /p99 latency 9\d\d ms is above 500 ms/);
  });

  test('error rate above 5%; several conditions: failing first, score from the worst', () => {
    const rs = [...baselineDay(), ...span((i) => ({ ...(i >= 25 ? lowCtr : fine), errors: 10 }))];
    const h = evaluateHealth(rs, NOW);
    assert.equal(h.status, 'failing');
    assert.deepEqual(h.reasons.map((r) => [r.kpi, r.severity]), [['error_rate', 'failing'], ['ctr', 'degraded']]);
    assert.equal(h.reasons[0]!.value, 0.1);
    assert.equal(h.score, 0);
    assert.match(h.reasons[0]!.message, /error rate 10\.0% is above 5\.00%/);
  });

  test('no data at all: ok, score 1, checks say why', () => {
    const h = evaluateHealth([], NOW);
    assert.equal(h.status, 'ok');
    assert.equal(h.score, 1);
    assert.deepEqual(h.checks.map((c) => c.state), ['no_baseline', 'no_data', 'no_data']);
  });

  test('too few baseline impressions (480 in 24 h): no CTR judgement, unless a fixed baseline is set', () => {
    const rs = [...baselineDay(20, 1), ...span(() => lowCtr)];
    const h = evaluateHealth(rs, NOW);
    assert.equal(h.status, 'ok');
    assert.equal(h.checks[0]!.state, 'no_baseline');
    const fixed = evaluateHealth(rs, NOW, { ctr: { baseline: 0.05 } });
    assert.equal(fixed.status, 'failing');
    const lowMin = evaluateHealth(rs, NOW, { ctr: { minBaselineImpressions: 100 } });
    assert.equal(lowMin.status, 'failing');
  });

  test('the minute in progress is not judged; lagMs shifts the span', () => {
    const inProgress = rollup(SPAN_START + 30 * MIN, MIN, lowCtr);
    const h = evaluateHealth([...baselineDay(), ...span(() => fine), inProgress], NOW);
    assert.equal(h.status, 'ok');
    // a minute later the span has moved on to a minute with no data yet: not sustained …
    const rs = [...baselineDay(), ...span(() => lowCtr)];
    assert.equal(evaluateHealth(rs, NOW + MIN).status, 'degraded');
    // … unless lagMs holds the span back until that minute is flushed
    const lagged = evaluateHealth(rs, NOW + MIN, { lagMs: MIN });
    assert.equal(lagged.status, 'failing');
    assert.equal(lagged.window.to, '2025-01-02T00:30:00.000Z');
  });

  test('disabled conditions are skipped', () => {
    const h = evaluateHealth([...baselineDay(), ...span(() => lowCtr)], NOW, { ctr: { enabled: false } });
    assert.equal(h.status, 'ok');
    assert.equal(h.checks[0]!.state, 'disabled');
  });

  test('config: defaults and validation', () => {
    assert.deepEqual(resolveHealthConfig(), DEFAULT_HEALTH_CONFIG);
    assert.equal(resolveHealthConfig({ ctr: { maxRelativeDrop: 0.2, baseline: undefined } }).ctr.baseline, null);
    assert.throws(() => resolveHealthConfig({ sustainMs: 90_000, windowMs: 60_000 }), /multiple/);
    assert.throws(() => resolveHealthConfig({ ctr: { maxRelativeDrop: 2 } }), /ctr\.maxRelativeDrop/);
    assert.throws(() => resolveHealthConfig({ latencyP99: { thresholdMs: -1 } }), /thresholdMs/);
    assert.throws(() => resolveHealthConfig({ errorRate: { threshold: Number.NaN } }), /errorRate\.threshold/);
    assert.throws(() => evaluateHealth([], Number.NaN), /now/);
  });
});
