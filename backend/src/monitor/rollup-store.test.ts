import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { buildProfile } from '../stats/profile.ts';
import { QUALITY_DELAY_COUNT, QUALITY_DELAY_SUM, QUALITY_LENGTH, addLabel, addOutcome, addPrediction, createRollup } from './rollup.ts';
import { equalBin } from '../stats/binned-quality.ts';
import { compileProfile } from './rollup-layout.ts';
import { addCountsInto, countsShape, decodeCounts, encodeCounts } from './count-blobs.ts';
import { addRollupToStore, inRanges, readRollupRows, rowToRollup } from './rollup-store.ts';
import { openHarness, type Harness } from '../testing/monitor-harness.ts';

describe('count blobs', () => {
  test('whole counts round-trip as varints, compactly', () => {
    const arrays = [Float64Array.from([0, 1, 127, 128, 300, 2 ** 40]), Float64Array.from([5])];
    const bytes = encodeCounts(arrays);
    assert.equal(bytes[0], 1);
    assert.equal(bytes.length, 1 + 1 + 1 + (1 + 1 + 1 + 2 + 2 + 6) + 1 + 1);
    assert.deepEqual(decodeCounts(bytes), arrays);
    assert.deepEqual(countsShape(bytes), [6, 1]);
  });

  test('fractional or negative values switch to f64', () => {
    const arrays = [Float64Array.from([0.5, -2, 3])];
    const bytes = encodeCounts(arrays);
    assert.equal(bytes[0], 2);
    assert.deepEqual(decodeCounts(bytes), arrays);
  });

  test('adding into arrays of another shape is refused, not corrupted', () => {
    const bytes = encodeCounts([Float64Array.from([1, 2, 3])]);
    const into = [new Float64Array(4)];
    assert.equal(addCountsInto(bytes, into), false);
    const ok = [Float64Array.from([10, 10, 10])];
    assert.equal(addCountsInto(bytes, ok), true);
    assert.deepEqual(Array.from(ok[0]!), [11, 12, 13]);
  });

  test('inRanges', () => {
    const ranges: [number, number][] = [
      [0, 10],
      [20, 30],
    ];
    assert.deepEqual([-1, 0, 9, 10, 19, 20, 29, 30].map((x) => inRanges(ranges, x)), [false, true, true, false, false, true, true, false]);
  });
});

for (const dialect of testDialects()) {
  describe(`rollups table on ${dialect}`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness(dialect);
    });
    after(() => h.close());

    test('adding rollups of one key sums counters, sketches and histograms in one row', async () => {
      const profile = buildProfile(
        Array.from({ length: 100 }, (_, i) => ({ x: i, c: i % 3 ? 'a' : 'b' })),
        [
          { name: 'x', type: 'numeric' },
          { name: 'c', type: 'categorical' },
        ],
      );
      const key = { model: 'rs', version: 'v', arm: 'A', bucketStart: 1_800_000_000_000, bucketMs: 60_000 };
      const a = createRollup(key, profile);
      const b = createRollup(key, profile);
      for (let i = 0; i < 10; i++) addPrediction(a, { ts: 0, version: 'v', features: { x: i * 10, c: 'a' }, score: 0.1, latencyMs: 5 }, profile);
      for (let i = 0; i < 5; i++) addPrediction(b, { ts: 0, version: 'v', features: { x: 1000, c: 'z' }, score: 0.9, latencyMs: 500, error: true }, profile);
      b.clicks = 2;
      const postgres = h.store.dialect === 'postgres';
      await h.store.db.transaction().execute(async (trx) => {
        await addRollupToStore(trx, postgres, a, 1);
      });
      await h.store.db.transaction().execute(async (trx) => {
        await addRollupToStore(trx, postgres, b, 2);
      });
      const layout = compileProfile(profile).layout;
      const rows = await readRollupRows(h.store, { model: 'rs', bucketMs: 60_000, ranges: [[key.bucketStart, key.bucketStart + 60_000]], latency: true, features: true });
      assert.equal(rows.length, 1);
      const r = rowToRollup('rs', rows[0]!, layout);
      assert.deepEqual([r.requests, r.errors, r.clicks, r.scoreCount, r.latencyCount, r.latencySum], [15, 5, 2, 15, 15, 2550]);
      assert.ok(Math.abs(r.scoreSum - 5.5) < 1e-12);
      assert.equal(r.latency.count, 15);
      assert.ok(Math.abs(r.latency.quantile(0.99)! - 500) <= 5);
      assert.deepEqual(Array.from(r.scoreHist), [0, 10, 0, 0, 0, 0, 0, 0, 0, 5, 0]);
      const x = r.features[0]!;
      assert.equal(x[x.length - 2], 5, '1000 is above the reference range');
      const c = r.features[1]!;
      assert.deepEqual(Array.from(c), [10, 0, 5, 0], '"z" counts as unseen');
      // Feature stats add up in the row too, once read (x: 0..90 and 5 × 1000).
      const withStats = await readRollupRows(h.store, { model: 'rs', bucketMs: 60_000, ranges: [[key.bucketStart, key.bucketStart + 60_000]], features: true, featureStats: true });
      const s = Array.from(rowToRollup('rs', withStats[0]!, layout).featureStats);
      assert.deepEqual(s.slice(0, 3), [15, 450 + 5000, 28_500 + 5_000_000]);
      assert.equal(rows[0]!.feature_stats, undefined, 'read only when asked for');
      // Another layout of the same key is another row; its histograms stay apart.
      const other = buildProfile([{ x: 1, c: 'q' }, { x: 2, c: 'q' }], [
        { name: 'x', type: 'numeric' },
        { name: 'c', type: 'categorical' },
      ]);
      const d = createRollup(key, other);
      addPrediction(d, { ts: 0, version: 'v', features: { x: 1, c: 'q' } }, other);
      await h.store.db.transaction().execute((trx) => addRollupToStore(trx, postgres, d, 3));
      const both = await readRollupRows(h.store, { model: 'rs', bucketMs: 60_000, ranges: [[key.bucketStart, key.bucketStart + 60_000]] });
      assert.equal(both.length, 2);
      const only = await readRollupRows(h.store, { model: 'rs', bucketMs: 60_000, ranges: [[key.bucketStart, key.bucketStart + 60_000]], layouts: [layout.id] });
      assert.equal(only.length, 1);
    });

    test('label histograms and label delay add up in the row, a label flip included', async () => {
      const key = { model: 'rq', version: 'v', arm: 'A', bucketStart: 1_800_000_060_000, bucketMs: 60_000 };
      const a = createRollup(key);
      addOutcome(a, { label: 1, score: 0.9, labelDelayMs: 4000 });
      addOutcome(a, { label: 0, score: 0.1, labelDelayMs: 1000 });
      addOutcome(a, { label: 1 }); // no score: labelled only, outside the histograms
      // Later, the negative at 0.1 is relabelled positive (rollup.ts addLabel: +1 / −1, no delay).
      const b = createRollup(key);
      addLabel(b, 0.1, 1, -1, null);
      const postgres = h.store.dialect === 'postgres';
      await h.store.db.transaction().execute((trx) => addRollupToStore(trx, postgres, a, 1));
      await h.store.db.transaction().execute((trx) => addRollupToStore(trx, postgres, b, 2));
      const ranges: [number, number][] = [[key.bucketStart, key.bucketStart + 60_000]];
      const without = await readRollupRows(h.store, { model: 'rq', bucketMs: 60_000, ranges });
      assert.equal(without[0]!.quality, undefined, 'read only when asked for');
      const rows = await readRollupRows(h.store, { model: 'rq', bucketMs: 60_000, ranges, quality: true });
      const r = rowToRollup('rq', rows[0]!);
      const q = Array.from(r.quality);
      const expected = new Array<number>(QUALITY_LENGTH).fill(0);
      expected[equalBin(0.9)] = 1;
      expected[equalBin(0.1)] = 1;
      expected[QUALITY_DELAY_SUM] = 5000;
      expected[QUALITY_DELAY_COUNT] = 2;
      assert.deepEqual(q, expected);
      assert.deepEqual([r.labelled, r.positives], [3, 2]);
    });
  });
}
