import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlCache } from './ttl-cache.ts';

test('one computation per TTL; a failure yields onError once and is not kept', async () => {
  let now = 0;
  let runs = 0;
  const errors: unknown[] = [];
  const cache = new TtlCache<number>({ now: () => now, onError: (e) => (errors.push(e), -1) });
  const compute = async () => ++runs;
  assert.deepEqual(await Promise.all([cache.get(10, compute), cache.get(10, compute)]), [1, 1]);
  now = 9;
  assert.equal(await cache.get(10, compute), 1);
  now = 10;
  assert.equal(await cache.get(10, compute), 2);
  const failing = () => Promise.reject(new Error('boom'));
  now = 100;
  assert.deepEqual(await Promise.all([cache.get(10, failing), cache.get(10, failing)]), [-1, -1]);
  assert.equal(errors.length, 1);
  assert.equal(await cache.get(10, compute), 3, 'the failed value was dropped');
});
