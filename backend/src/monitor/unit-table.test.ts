/**
 * UnitTable (unit-table.ts) holds what a Map from unit id would: one index per distinct id
 * across growth of its slots and arrays, none for an id it does not hold, each unit's bucket
 * that of unitBucket, and a new unit's state "nothing sighted, nothing committed".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../core/random.ts';
import { UNIT_BUCKETS, unitBucket } from './unit-buckets.ts';
import { FIRST, LAST_HOUR, STATE, UnitTable, WRITTEN_FIRST, WRITTEN_LAST_HOUR } from './unit-table.ts';

test('the table gives each distinct id one index, as a map does, across growth', () => {
  const rng = createRng(5);
  const t = new UnitTable(UNIT_BUCKETS);
  const map = new Map<string, number>();
  // Short, long, empty, non-ASCII and near-identical ids, each drawn many times.
  const ids = ['', 'a', 'b', 'ab', 'ba', 'é', '用户', 'user-1', 'user-10', 'user-01', 'x'.repeat(300)];
  for (let k = 0; k < 30_000; k++) ids.push(`user-${k}`);
  for (let n = 0; n < 120_000; n++) {
    const id = ids[Math.floor(rng() * ids.length)]!;
    const i = t.indexOf(id);
    const known = map.get(id);
    if (known === undefined) {
      assert.equal(i, map.size, 'a new id takes the next index');
      map.set(id, i);
    } else assert.equal(i, known);
  }
  assert.equal(t.size, map.size);
  for (const [id, i] of map) {
    assert.equal(t.find(id), i);
    assert.equal(t.bucket, unitBucket(id), 'the bucket of the unit found last');
  }
  assert.equal(t.find('user-30000'), -1);
  assert.equal(t.find('user-'), -1);
  assert.equal(t.size, map.size, 'find adds nothing');
});

test("a new unit has nothing sighted and nothing committed; a unit's state stays with it as the table grows", () => {
  const t = new UnitTable(UNIT_BUCKETS, 1);
  const i = t.indexOf('u');
  assert.ok(Number.isNaN(t.state[i * STATE + FIRST]!) && Number.isNaN(t.state[i * STATE + LAST_HOUR]!));
  assert.deepEqual([t.state[i * STATE + WRITTEN_FIRST], t.state[i * STATE + WRITTEN_LAST_HOUR]], [Infinity, -Infinity]);
  t.state[i * STATE + WRITTEN_FIRST] = 42;
  for (let k = 0; k < 1000; k++) t.indexOf(`v${k}`);
  assert.equal(t.state[t.find('u') * STATE + WRITTEN_FIRST], 42);
});
