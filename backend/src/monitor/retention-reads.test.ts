import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planResolution } from './queries.ts';
import { minutesDeletableBefore, minutesReadFrom, readablePlan, readableUnitPlan } from './retention-reads.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { planUnitRead } from './unit-store.ts';

const H = HOUR_MS;
const M = MINUTE_MS;
const DAY = 24 * H;

test('the horizon: whole hours, an hour more before deletes may start, none when minutes are kept for ever', () => {
  const now = 100 * H + 17 * M;
  assert.equal(minutesReadFrom(now, 2 * H), 98 * H);
  assert.equal(minutesDeletableBefore(now, 2 * H), 97 * H);
  assert.equal(minutesReadFrom(now, Number.POSITIVE_INFINITY), Number.NEGATIVE_INFINITY);
});

test('minute ranges before the horizon read the hour rows that start in them; later ones stay minutes', () => {
  // [10:30, 13:20): minutes 10:30–11:00, hours 11–13, minutes 13:00–13:20.
  const plan = planResolution(10 * H + 30 * M, 13 * H + 20 * M);
  assert.deepEqual(plan, { hours: [[11 * H, 13 * H]], minutes: [[10 * H + 30 * M, 11 * H], [13 * H, 13 * H + 20 * M]] });
  // All compacted: the head edge reads no hour (none starts in 10:30–11:00), the tail edge the 13:00 hour.
  assert.deepEqual(readablePlan(plan, 20 * H), { hours: [[10 * H + 30 * M, 13 * H + 20 * M]], minutes: [] });
  // The horizon inside the range: minutes from it on.
  const split = readablePlan(planResolution(10 * H, 14 * H + 20 * M, 12 * H + 30 * M), 12 * H);
  assert.deepEqual(split, { hours: [[10 * H, 12 * H]], minutes: [[12 * H, 14 * H + 20 * M]] });
  // Nothing compacted: the plan as it was.
  assert.equal(readablePlan(plan, 0), plan);
});

test('unit reads: compacted minute spans read hour rows, day and hour spans untouched', () => {
  const plan = planUnitRead(DAY - 90 * M, 2 * DAY + 30 * M);
  const readable = readableUnitPlan(plan, 2 * DAY + 10 * M);
  assert.deepEqual(readable, [
    { bucketMs: H, from: DAY - 90 * M, to: DAY - H },
    { bucketMs: H, from: DAY - H, to: DAY },
    { bucketMs: DAY, from: DAY, to: 2 * DAY },
    { bucketMs: H, from: 2 * DAY, to: 2 * DAY + 10 * M },
    { bucketMs: M, from: 2 * DAY + 10 * M, to: 2 * DAY + 30 * M },
  ]);
});
