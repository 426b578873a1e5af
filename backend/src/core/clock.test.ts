import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from './clock.ts';

test('the virtual clock moves only when told, and never backwards', () => {
  const clock = new VirtualClock(1_000);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.now(), 1_000);
  clock.advance(60_000);
  assert.equal(clock.now(), 61_000);
  clock.set(61_000);
  clock.set(120_000);
  assert.equal(clock.now(), 120_000);
  assert.throws(() => clock.set(119_999), /cannot move from 120000 to 119999/);
  assert.throws(() => clock.advance(Number.NaN), /cannot move/);
});
