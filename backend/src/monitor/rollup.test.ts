import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  addOutcome,
  addPrediction,
  addTypeRejection,
  bucketOf,
  createRollup,
  featureCounts,
  scoreBin,
  ANY,
  type Rollup,
} from './rollup.ts';
import { coarsen, mergeAll, mergeInto, mergeRollups } from './rollup-merge.ts';
import { decodeRollup, encodeRollup } from './rollup-codec.ts';
import { DomainError } from '../core/errors.ts';
import { tinyProfile } from './testdata/profiles.ts';
import { finiteSlot } from './rollup-layout.ts';
import { numericSlot } from '../stats/profile.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const key = (over: Partial<Rollup> = {}) => ({ model: 'm', version: 'v1', arm: 'A', bucketStart: T0, bucketMs: 60_000, ...over });

function filled(profile = tinyProfile()): Rollup {
  const r = createRollup(key(), profile);
  addPrediction(r, { ts: T0, version: 'v1', features: { x: -1, c: 'a' }, score: 0.05, latencyMs: 10 }, profile);
  addPrediction(r, { ts: T0 + 1, version: 'v1', features: { x: 0.5, c: 'b' }, score: 0.35, latencyMs: 20 }, profile);
  addPrediction(r, { ts: T0 + 2, version: 'v1', features: { x: 3, c: 'zzz' }, score: 1, latencyMs: 30, error: 'timeout' }, profile);
  addPrediction(r, { ts: T0 + 3, version: 'v1', features: { x: 7 }, score: null, error: true }, profile);
  addPrediction(r, { ts: T0 + 4, version: 'v1', features: { x: null, c: '' }, latencyMs: -5, error: false }, profile);
  addPrediction(r, { ts: T0 + 5, version: 'v1', score: Number.NaN, latencyMs: Number.NaN }, profile);
  return r;
}

describe('addPrediction / addOutcome', () => {
  test('counts requests, errors, scores, latency and feature bins with fixed values', () => {
    const r = filled();
    assert.equal(r.requests, 6);
    assert.equal(r.errors, 2);
    assert.equal(r.scoreCount, 3);
    assert.equal(r.scoreSum, 1.4);
    assert.ok(Math.abs(r.scoreSumSq - (0.0025 + 0.1225 + 1)) < 1e-15);
    assert.deepEqual(Array.from(r.scoreHist), [1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 3]);
    assert.equal(r.latencyCount, 3);
    assert.equal(r.latencySum, 60);
    assert.ok(Math.abs(r.latency.quantile(0.5)! - 20) <= 0.2);
    // x: [below 0, [0,1), [1,2), [2,3], above 3, missing]
    assert.deepEqual(Array.from(featureCounts(r, 'x')!), [1, 1, 0, 1, 1, 2]);
    // c: [a, b, unseen, missing]
    assert.deepEqual(Array.from(featureCounts(r, 'c')!), [1, 1, 1, 3]);
    assert.equal(featureCounts(r, 'nope'), undefined);
  });

  test('invalid feature values count as missing', () => {
    const p = tinyProfile();
    const r = createRollup(key());
    addPrediction(r, { ts: T0, version: 'v1', features: { x: 'abc', c: { no: 1 } } }, p);
    assert.deepEqual(Array.from(featureCounts(r, 'x')!), [0, 0, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(featureCounts(r, 'c')!), [0, 0, 0, 1]);
    // …and as invalid in the feature stats: [count, Σx, Σx², invalid, rejected] per feature.
    assert.deepEqual(Array.from(r.featureStats), [0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });

  test('feature stats: count, Σx, Σx² of numeric values; type rejections add to nothing else', () => {
    const p = tinyProfile();
    const r = filled(p);
    // x values -1, 0.5, 3, 7 (null and absent are missing); c is categorical: no sums.
    assert.deepEqual(Array.from(r.featureStats), [4, 9.5, 1 + 0.25 + 9 + 49, 0, 0, 0, 0, 0, 0, 0]);
    addTypeRejection(r, p, 'c');
    addTypeRejection(r, p, 'c');
    assert.equal(r.featureStats[5 + 4], 2);
    assert.equal(r.requests, 6);
    assert.deepEqual(Array.from(featureCounts(r, 'c')!), [1, 1, 1, 3]);
    const twice = mergeRollups(r, r);
    assert.deepEqual(Array.from(twice.featureStats), Array.from(r.featureStats, (v) => 2 * v));
    const hour = coarsen([r], 3_600_000)[0]!;
    assert.deepEqual(Array.from(hour.featureStats), Array.from(r.featureStats));
  });

  test('without a profile there are no feature histograms', () => {
    const r = createRollup(key());
    addPrediction(r, { ts: T0, version: 'v1', features: { x: 1 }, score: 0.5 });
    assert.equal(r.layout, null);
    assert.deepEqual(r.features, []);
    assert.equal(r.requests, 1);
  });

  test('a rollup refuses predictions counted over another profile layout', () => {
    const r = createRollup(key(), tinyProfile());
    assert.throws(
      () => addPrediction(r, { ts: T0, version: 'v1', features: {} }, tinyProfile([0, 5, 10])),
      (e: unknown) => e instanceof DomainError && e.code === 'conflict',
    );
    // the same bins in another profile object are fine
    addPrediction(r, { ts: T0, version: 'v1', features: { x: 1 } }, tinyProfile());
    assert.equal(r.requests, 1);
  });

  test('outcomes: booleans, counts, labels', () => {
    const r = createRollup(key());
    addOutcome(r, { impression: true, click: true, conversion: false, label: 1 });
    addOutcome(r, { impression: true, click: false, label: false });
    addOutcome(r, { impression: 3, click: 1, conversion: 1, label: 0 });
    addOutcome(r, { impression: -1, click: Number.NaN, label: 0.5 });
    addOutcome(r, {});
    assert.deepEqual(
      [r.impressions, r.clicks, r.conversions, r.labelled, r.positives],
      [5, 2, 1, 3, 1],
    );
  });

  test('score bins: 10 equal bins on [0, 1], outside clamped, non-finite missing', () => {
    const cases: [unknown, number][] = [
      [0, 0], [0.0999, 0], [0.1, 1], [0.3, 3], [0.7, 7], [0.9, 9], [0.999, 9], [1, 9],
      [-0.5, 0], [1.5, 9], [Number.NaN, 10], [null, 10], ['0.5', 10], [Infinity, 10],
    ];
    for (const [s, bin] of cases) assert.equal(scoreBin(s), bin, String(s));
  });

  test('bucketOf and key checks', () => {
    assert.equal(bucketOf(T0 + 59_999), T0);
    assert.equal(bucketOf(T0 + 60_000), T0 + 60_000);
    assert.throws(() => createRollup(key({ bucketStart: T0 + 1 })), /multiple/);
    assert.throws(() => createRollup(key({ bucketMs: 0 })), /positive/);
  });
});

describe('merge', () => {
  test('mergeRollups sums everything and changes neither input', () => {
    const a = filled();
    const b = filled();
    const before = JSON.stringify(encodeRollup(a));
    const m = mergeRollups(a, b);
    assert.equal(JSON.stringify(encodeRollup(a)), before);
    assert.equal(m.requests, 12);
    assert.equal(m.errors, 4);
    assert.equal(m.latencyCount, 6);
    assert.equal(m.latency.count, 6);
    assert.deepEqual(Array.from(m.scoreHist), [2, 0, 0, 2, 0, 0, 0, 0, 0, 2, 6]);
    assert.deepEqual(Array.from(featureCounts(m, 'x')!), [2, 2, 0, 2, 2, 4]);
    assert.equal(m.bucketStart, T0);
    assert.equal(m.bucketMs, 60_000);
  });

  test('spans widen and differing versions or arms become ANY', () => {
    const a = createRollup(key());
    const b = createRollup(key({ arm: 'B', bucketStart: T0 + 120_000 }));
    const m = mergeRollups(a, b);
    assert.equal(m.arm, ANY);
    assert.equal(m.version, 'v1');
    assert.equal(m.bucketStart, T0);
    assert.equal(m.bucketMs, 180_000);
    assert.throws(() => mergeRollups(a, createRollup(key({ model: 'other' }))), /different models/);
  });

  test('histograms: none + some = some; different layouts refuse, or drop on request', () => {
    const withHist = filled();
    const none = createRollup(key());
    addOutcome(none, { impression: true, click: true });
    const m = mergeRollups(none, withHist);
    assert.deepEqual(Array.from(featureCounts(m, 'x')!), [1, 1, 0, 1, 1, 2]);
    assert.equal(m.clicks, 1);

    const other = createRollup(key(), tinyProfile([0, 10]));
    assert.throws(() => mergeRollups(withHist, other), (e: unknown) => e instanceof DomainError && e.code === 'conflict');
    const dropped = mergeRollups(withHist, other, { onLayoutMismatch: 'drop' });
    assert.equal(dropped.layout, null);
    assert.equal(dropped.requests, 6);
  });

  test('mergeAll of nothing is null', () => {
    assert.equal(mergeAll([]), null);
    assert.equal(mergeAll([filled(), filled(), filled()])!.requests, 18);
  });

  test('coarsen minutes into hours', () => {
    const rs: Rollup[] = [];
    for (let i = 0; i < 130; i++) {
      const r = createRollup(key({ bucketStart: T0 + i * 60_000 }));
      addPrediction(r, { ts: T0 + i * 60_000, version: 'v1', latencyMs: i + 1 });
      rs.push(r);
    }
    const other = createRollup(key({ arm: 'B' }));
    addPrediction(other, { ts: T0, version: 'v1' });
    const hours = coarsen([...rs, other], 3_600_000);
    // T0 is 12:00, so 12:00, 13:00, 14:00 for arm A; 12:00 for arm B
    assert.deepEqual(
      hours.map((h) => [h.arm, h.bucketStart - T0, h.bucketMs, h.requests]),
      [['A', 0, 3_600_000, 60], ['A', 3_600_000, 3_600_000, 60], ['A', 7_200_000, 3_600_000, 10], ['B', 0, 3_600_000, 1]],
    );
    assert.equal(hours[0]!.latency.quantile(1), 60);
    assert.throws(() => coarsen(rs, 90_000), /divide/);
  });
});

describe('codec', () => {
  test('encode → JSON → decode round-trips', () => {
    const r = filled();
    addOutcome(r, { impression: 2, click: 1, label: true });
    const json = JSON.stringify(encodeRollup(r));
    const d = decodeRollup(JSON.parse(json));
    assert.equal(JSON.stringify(encodeRollup(d)), json);
    assert.equal(d.latency.quantile(0.99), r.latency.quantile(0.99));
    // a decoded rollup merges with live ones of the same profile
    const m = mergeInto(d, filled());
    assert.equal(m.requests, 12);
    addPrediction(d, { ts: T0, version: 'v1', features: { x: 1.5 } }, tinyProfile());
    assert.equal(featureCounts(d, 'x')![2], 1);
  });

  test('an encoding without featureStats (made before they existed) decodes with zeros', () => {
    const { featureStats: _, ...old } = encodeRollup(filled());
    const d = decodeRollup(JSON.parse(JSON.stringify(old)));
    assert.deepEqual(Array.from(d.featureStats), new Array(10).fill(0));
    assert.throws(() => decodeRollup({ ...old, featureStats: [1] }), /rollup\.featureStats: expected 10 counts/);
  });

  test('empty rollup encodes without NaN', () => {
    const json = JSON.stringify(encodeRollup(createRollup(key())));
    assert.ok(!/NaN|Infinity|null,"features":\[\{/.test(json));
    assert.equal(decodeRollup(JSON.parse(json)).requests, 0);
  });

  test('malformed input is refused with the field named', () => {
    const good = encodeRollup(filled());
    assert.throws(() => decodeRollup(null), /object/);
    assert.throws(() => decodeRollup({ ...good, format: 2 }), /format/);
    assert.throws(() => decodeRollup({ ...good, requests: -1 }), /rollup\.requests/);
    assert.throws(() => decodeRollup({ ...good, clicks: 'x' }), /rollup\.clicks/);
    assert.throws(() => decodeRollup({ ...good, scoreHistogram: [1, 2] }), /scoreHistogram/);
    assert.throws(() => decodeRollup({ ...good, latencyCount: 99 }), /latencyCount/);
    assert.throws(() => decodeRollup({ ...good, features: [{ name: 'x', counts: [1, -1] }] }), /features\[0\]\.counts\[1\]/);
    assert.throws(() => decodeRollup({ ...good, layout: null }), /must be empty/);
  });
});

test('finiteSlot bins every finite value as numericSlot does: below, on and between edges, repeated edges, the last bin closed', () => {
  let seed = 3;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  for (let t = 0; t < 3000; t++) {
    const edges = Array.from({ length: 2 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 10)).sort((a, b) => a - b);
    const compiled = Float64Array.from(edges);
    for (let x = -1.5; x <= 11; x += 0.25) assert.equal(finiteSlot(compiled, x), numericSlot(edges, x), `edges ${edges.join(',')}, x ${x}`);
  }
  assert.equal(finiteSlot(Float64Array.from([0, 1]), 1), 1, 'the last edge is in the last bin');
  assert.equal(finiteSlot(Float64Array.from([0, 1]), 1.5), 2, 'above the last edge');
  assert.equal(finiteSlot(Float64Array.from([0, 1]), -0.5), 0, 'below the first edge');
});
