import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Accumulator } from './accumulator.ts';
import { featureCounts, type PredictionInput, type Rollup } from './rollup.ts';
import { coarsen } from './rollup-merge.ts';
import { decodeRollup, encodeRollup } from './rollup-codec.ts';
import { tinyProfile } from './testdata/profiles.ts';
import { rng } from './testdata/random.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const MIN = 60_000;
const profile = tinyProfile();

const pred = (ts: number, over: Partial<PredictionInput> = {}): PredictionInput => ({
  ts,
  version: 'v1',
  features: { x: 1.5, c: 'a' },
  score: 0.5,
  latencyMs: 20,
  ...over,
});

const keys = (rs: Rollup[]) => rs.map((r) => `${r.version}/${r.arm}/${(r.bucketStart - T0) / MIN}:${r.requests}`);

describe('Accumulator', () => {
  test('keeps one open rollup per (model, version, arm, minute)', () => {
    const acc = new Accumulator();
    acc.addPrediction('m', pred(T0 + 1_000), profile);
    acc.addPrediction('m', pred(T0 + 59_999), profile);
    acc.addPrediction('m', pred(T0 + 60_000), profile);
    acc.addPrediction('m', pred(T0 + 2_000, { arm: 'B' }), profile);
    acc.addPrediction('m', pred(T0 + 3_000, { version: 'v2' }), profile);
    acc.addPrediction('other', pred(T0 + 3_000), profile);
    assert.equal(acc.size, 5);
    const all = acc.drainAll();
    assert.deepEqual(keys(all.filter((r) => r.model === 'm')), ['v1/B/0:1', 'v1/default/0:2', 'v1/default/1:1', 'v2/default/0:1']);
    assert.equal(acc.size, 0);
  });

  test('drain hands back minutes closed for graceMs, late records reopen a minute', () => {
    const acc = new Accumulator();
    acc.addPrediction('m', pred(T0 + 10_000));
    acc.addPrediction('m', pred(T0 + 70_000));
    assert.deepEqual(acc.drain(T0 + MIN + 5_000, 10_000), []);
    assert.deepEqual(keys(acc.drain(T0 + MIN + 10_000, 10_000)), ['v1/default/0:1']);
    acc.addPrediction('m', pred(T0 + 20_000)); // late: minute 0 opens again
    assert.deepEqual(keys(acc.drain(T0 + 2 * MIN)), ['v1/default/0:1', 'v1/default/1:1']);
    assert.deepEqual(acc.drainAll(), []);
  });

  test('outcomes land in their prediction’s rollup', () => {
    const acc = new Accumulator();
    acc.addPrediction('m', pred(T0 + 5_000, { arm: 'B' }));
    acc.addOutcome({ model: 'm', version: 'v1', arm: 'B', ts: T0 + 5_000 }, { impression: true, click: true });
    acc.addOutcome({ model: 'm', version: 'v1', ts: T0 - 3 * MIN }, { impression: true }); // prediction long flushed
    const rs = acc.drainAll();
    assert.deepEqual(rs.map((r) => [r.arm, (r.bucketStart - T0) / MIN, r.requests, r.impressions, r.clicks]), [
      ['B', 0, 1, 1, 1],
      ['default', -3, 0, 1, 0],
    ]);
    assert.equal(rs[1]!.layout, null);
  });

  test('snapshot copies open rollups without draining them', () => {
    const acc = new Accumulator();
    acc.addPrediction('m', pred(T0), profile);
    const [snap] = acc.snapshot();
    snap!.requests = 99;
    featureCounts(snap!, 'x')![2] = 99;
    const [r] = acc.drainAll();
    assert.equal(r!.requests, 1);
    assert.equal(featureCounts(r!, 'x')![2], 1);
  });

  test('bad times and bucket widths are refused', () => {
    const acc = new Accumulator();
    assert.throws(() => acc.addPrediction('m', pred(Number.NaN)), /ts/);
    assert.throws(() => new Accumulator({ bucketMs: 0 }), /bucketMs/);
  });

  test('rollups from several processes add up exactly to one process’s', () => {
    const u = rng(11);
    const records: PredictionInput[] = Array.from({ length: 5_000 }, (_, i) => ({
      ts: T0 + Math.floor(u() * 5 * MIN),
      version: u() < 0.3 ? 'v2' : 'v1',
      arm: u() < 0.5 ? 'A' : 'B',
      features: { x: u() * 4 - 0.5, c: ['a', 'b', 'q', null][i % 4] },
      score: u(),
      latencyMs: 5 * Math.exp(3 * u()),
      error: u() < 0.05,
    }));
    const one = new Accumulator();
    const many = [new Accumulator(), new Accumulator(), new Accumulator()];
    records.forEach((r, i) => {
      one.addPrediction('m', r, profile);
      many[(i * 7) % 3]!.addPrediction('m', r, profile);
      if (i % 3 === 0) {
        // Labels with their prediction's score and delay fill the label histograms (rollup.ts).
        const o = { impression: true, click: i % 9 === 0, label: i % 2, score: r.score, labelDelayMs: i };
        one.addOutcome({ model: 'm', ...r }, o);
        many[i % 2]!.addOutcome({ model: 'm', ...r }, o);
      }
    });
    const single = one.drainAll();
    assert.ok(single.some((s) => s.quality.some((c) => c > 0)), 'labels reached the label histograms');
    // each process flushes; the store sums rollups of one key (coarsen at 1 minute does that),
    // going through the JSON encoding on the way
    const stored = many.flatMap((a) => a.drainAll()).map((r) => decodeRollup(JSON.parse(JSON.stringify(encodeRollup(r)))));
    const merged = coarsen(stored, MIN);
    assert.equal(merged.length, single.length);
    assert.equal(single.length, 20); // 5 minutes × 2 versions × 2 arms
    single.forEach((s, i) => {
      const m = merged[i]!;
      const es = encodeRollup(s);
      const em = encodeRollup(m);
      for (const k of ['model', 'version', 'arm', 'bucketStart', 'bucketMs', 'requests', 'errors', 'impressions', 'clicks',
        'labelled', 'positives', 'scoreCount', 'latencyCount', 'scoreHistogram', 'quality', 'layout', 'features'] as const) {
        assert.deepEqual(em[k], es[k], k);
      }
      for (const k of ['scoreSum', 'scoreSumSq', 'latencySum'] as const) assert.ok(Math.abs(em[k] - es[k]) <= 1e-12 * Math.abs(es[k]), k);
      for (let q = 0; q <= 1; q += 0.01) assert.equal(m.latency.quantile(q), s.latency.quantile(q));
    });
    // and hours from minutes
    const hours = coarsen(single, 3_600_000);
    assert.deepEqual(hours.map((h) => h.requests).reduce((a, b) => a + b), 5_000);
    assert.equal(hours.length, 4);
  });
});
