/**
 * The exposure bookkeeping of UnitBucketBuffer (unit-buckets.ts): a flush takes each unit's
 * unflushed sighting once (first = min, last hour = max), sightings that change nothing the
 * process committed are not written again, a failed flush's exposures merge back with what
 * came since, the buffered exposures a read combines with the store are the unflushed ones, and
 * past its memory bound the buffer forgets what it committed but keeps what is unflushed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { COLUMN_INDEX, UnitBucketBuffer, unitBucket, type UnitPrediction } from './unit-buckets.ts';

const T = Date.UTC(2026, 0, 1, 10, 0);
const p = (unit: string, ts: number, arm = 'A'): UnitPrediction => ({ ts, version: 'v1', arm, unitId: unit, error: null, latencyMs: 2, score: 0.5 });
const brief = (xs: { unit: string; arm: string; first: number; lastHour: number }[]) =>
  xs.map((x) => `${x.arm}:${x.unit}:${x.first}:${x.lastHour}`).sort();

test('a flush takes each sighting once; what was committed as it is is not written again', () => {
  const b = new UnitBucketBuffer();
  b.addPrediction('m', p('u1', T + 5 * MINUTE_MS));
  b.addPrediction('m', p('u1', T + MINUTE_MS));
  b.addPrediction('m', p('u1', T + HOUR_MS + 1));
  b.addPrediction('m', p('u2', T, 'B'));
  b.addPrediction('other', p('u1', T));
  assert.deepEqual(brief([...b.exposuresOf('m')]), brief([
    { arm: 'A', unit: 'u1', first: T + MINUTE_MS, lastHour: T + HOUR_MS },
    { arm: 'B', unit: 'u2', first: T, lastHour: T },
  ]));
  const t1 = b.take();
  assert.equal(t1.exposures.length, 3);
  assert.deepEqual([...b.exposuresOf('m')], []);
  // The bucket sums: u1's three requests in its bucket of the minute blocks they fell in.
  const requests = t1.blocks.filter((k) => k.model === 'm' && k.arm === 'A').reduce((n, k) => n + (k.sums.get(unitBucket('u1'))?.[COLUMN_INDEX.requests] ?? 0), 0);
  assert.equal(requests, 3);
  b.committed(t1.exposures);
  assert.deepEqual(b.writtenOf({ model: 'm', version: 'v1', arm: 'A', unit: 'u1', first: 0, lastHour: 0 }), { first: T + MINUTE_MS, lastHour: T + HOUR_MS });

  // Seen again inside what was committed: nothing to write; an earlier first or a later hour: written.
  b.addPrediction('m', p('u1', T + 30 * MINUTE_MS));
  b.addPrediction('m', p('u2', T + 2 * HOUR_MS, 'B'));
  b.addPrediction('m', p('u3', T + 2 * HOUR_MS));
  const t2 = b.take();
  assert.deepEqual(brief(t2.exposures), brief([
    { arm: 'B', unit: 'u2', first: T + 2 * HOUR_MS, lastHour: T + 2 * HOUR_MS },
    { arm: 'A', unit: 'u3', first: T + 2 * HOUR_MS, lastHour: T + 2 * HOUR_MS },
  ]));
  assert.equal(t2.blocks.length, 3);

  // A failed flush: its exposures come back, merged with the sightings buffered since.
  b.addPrediction('m', p('u3', T + 3 * HOUR_MS));
  b.addPrediction('m', p('u1', T));
  b.restore(t2);
  assert.deepEqual(brief([...b.exposuresOf('m')]), brief([
    { arm: 'A', unit: 'u3', first: T + 2 * HOUR_MS, lastHour: T + 3 * HOUR_MS },
    { arm: 'A', unit: 'u1', first: T, lastHour: T },
    { arm: 'B', unit: 'u2', first: T + 2 * HOUR_MS, lastHour: T + 2 * HOUR_MS },
  ]));
  const t3 = b.take();
  assert.equal(t3.exposures.length, 3);
  b.committed(t3.exposures);
  // The committed memory keeps the earliest first and the latest hour of everything written.
  assert.deepEqual(b.writtenOf({ model: 'm', version: 'v1', arm: 'A', unit: 'u1', first: 0, lastHour: 0 }), { first: T, lastHour: T + HOUR_MS });
  assert.deepEqual(b.take().exposures, []);
});

test('past the memory bound, what was committed is forgotten (written again when seen) and the unflushed sightings are kept', () => {
  const b = new UnitBucketBuffer();
  for (let k = 0; k < 499_990; k++) b.addPrediction('m', p(`u${k}`, T));
  b.committed(b.take().exposures);
  assert.deepEqual(b.writtenOf({ model: 'm', version: 'v1', arm: 'A', unit: 'u7', first: 0, lastHour: 0 }), { first: T, lastHour: T });
  b.addPrediction('m', p('a', T + MINUTE_MS));
  b.addPrediction('m', p('b', T + HOUR_MS, 'B'));
  // Committing 20 more exposures passes the bound: the memory is cleared before they are recorded.
  b.committed(Array.from({ length: 20 }, (_, k) => ({ model: 'm', version: 'v1', arm: 'A', unit: `w${k}`, first: T, lastHour: T })));
  assert.equal(b.writtenOf({ model: 'm', version: 'v1', arm: 'A', unit: 'u7', first: 0, lastHour: 0 }), undefined);
  assert.deepEqual(b.writtenOf({ model: 'm', version: 'v1', arm: 'A', unit: 'w3', first: 0, lastHour: 0 }), { first: T, lastHour: T });
  assert.deepEqual(brief([...b.exposuresOf('m')]), brief([
    { arm: 'A', unit: 'a', first: T + MINUTE_MS, lastHour: T },
    { arm: 'B', unit: 'b', first: T + HOUR_MS, lastHour: T + HOUR_MS },
  ]));
  b.addPrediction('m', p('u7', T));
  b.addPrediction('m', p('a', T));
  assert.deepEqual(brief(b.take().exposures), brief([
    { arm: 'A', unit: 'a', first: T, lastHour: T },
    { arm: 'B', unit: 'b', first: T + HOUR_MS, lastHour: T + HOUR_MS },
    { arm: 'A', unit: 'u7', first: T, lastHour: T },
  ]));
});
