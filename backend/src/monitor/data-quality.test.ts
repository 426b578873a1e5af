import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { dataQuality, secondsSince } from './data-quality.ts';
import { FEATURE_STATS_WIDTH } from './rollup.ts';

// x: numeric on [0, 10] in 2 bins, mean 5, std 2; c: categories a, b (10 % unseen in the reference).
const profile: ReferenceProfile = {
  format: 1,
  source: 'rows',
  rows: 100,
  createdAt: '2026-01-01T00:00:00.000Z',
  features: [
    { name: 'x', type: 'numeric', edges: [0, 5, 10], counts: [0, 50, 50, 0, 0], total: 100, mean: 5, std: 2, min: 0, max: 10, sample: [] },
    { name: 'c', type: 'categorical', categories: ['a', 'b'], counts: [45, 45, 10, 0], total: 100, sample: [] },
  ],
};

/** Stats for x and c: [count, Σx, Σx², invalid, rejected] each. */
function stats(x: number[], c: number[]): Float64Array {
  const s = new Float64Array(2 * FEATURE_STATS_WIDTH);
  s.set(x, 0);
  s.set(c, FEATURE_STATS_WIDTH);
  return s;
}

describe('dataQuality', () => {
  it('derives the rates from the histograms and the stats, and flags past the thresholds', () => {
    // 200 records: x has 20 missing (of which 4 invalid), 18 below + 12 above the range,
    // values mean 11 (3 σ off: 150 values summing to 1650); c has 40 unseen; 10 records
    // rejected for c's type.
    const x = [18, 75, 75, 12, 20];
    const c = [80, 80, 40, 0];
    const q = dataQuality(profile, [x, c], stats([150, 1650, 0, 4, 0], [0, 0, 0, 0, 10]));
    assert.equal(q.records, 200);
    assert.equal(q.rejected, 10);
    const [fx, fc] = q.features;
    assert.equal(fx!.missing, 16);
    assert.equal(fx!.missingRate, 16 / 200);
    assert.equal(fx!.outOfRange, 30);
    assert.equal(fx!.outOfRangeRate, 30 / 180);
    assert.equal(fx!.typeErrors, 4);
    assert.equal(fx!.typeErrorRate, 4 / 210);
    assert.equal(fx!.mean, 11);
    assert.equal(fx!.meanShiftSigmas, 3);
    assert.deepEqual(fx!.flags, ['missing', 'out_of_range', 'type_errors']); // 3 σ is not above k = 3
    assert.equal(fc!.unseenRate, 0.2);
    assert.equal(fc!.outOfRange, null);
    assert.equal(fc!.typeErrorRate, 10 / 210);
    assert.deepEqual(fc!.flags, ['unseen', 'type_errors']);
    assert.equal(q.meanVectorDistance, 3);
    assert.equal(q.meanVectorFeatures, 1);
    assert.equal(q.meanVectorFlagged, false);
    assert.deepEqual(q.flaggedFeatures, ['x', 'c']);
    const strict = dataQuality(profile, [x, c], stats([150, 1650, 0, 4, 0], [0, 0, 0, 0, 10]), { k: 2 });
    assert.ok(strict.features[0]!.flags.includes('mean_shift'));
    assert.equal(strict.meanVectorFlagged, true);
  });

  it('reports but does not flag below the minimum volume', () => {
    const q = dataQuality(profile, [[5, 0, 0, 5, 10], [0, 0, 20, 0]], stats([10, 1000, 0, 0, 0], [0, 0, 0, 0, 0]));
    const [fx, fc] = q.features;
    assert.equal(fx!.missingRate, 0.5);
    assert.equal(fx!.outOfRangeRate, 1);
    assert.equal(fx!.meanShiftSigmas, 47.5);
    assert.equal(fx!.enoughVolume, false);
    assert.deepEqual(fx!.flags, []);
    assert.equal(fc!.unseenRate, 1);
    assert.deepEqual(fc!.flags, []);
    assert.equal(q.meanVectorDistance, null); // below the volume: not in the vector
    assert.deepEqual(q.flaggedFeatures, []);
  });

  it('has null rates, no mean and no flags without traffic; reads missing stats as zeros', () => {
    const q = dataQuality(profile, [[0, 0, 0, 0, 0], [0, 0, 0, 0]], new Float64Array(0));
    assert.equal(q.records, 0);
    assert.equal(q.features[0]!.missingRate, null);
    assert.equal(q.features[0]!.mean, null);
    assert.equal(q.features[0]!.meanShiftSigmas, null);
    assert.equal(q.features[1]!.unseenRate, null);
    assert.equal(q.meanVectorDistance, null);
  });

  it('freshness: seconds from the end of the last minute, 0 within it', () => {
    assert.equal(secondsSince(null, 1000), null);
    assert.equal(secondsSince(60_000, 30_000), 0);
    assert.equal(secondsSince(60_000, 150_000), 90);
  });
});
