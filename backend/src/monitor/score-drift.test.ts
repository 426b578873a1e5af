import assert from 'node:assert/strict';
import { test } from 'node:test';
import { psi } from '../stats/drift/index.ts';
import { SCORE_BINS } from './rollup.ts';
import { scoreDrift } from './score-drift.ts';

const hist = (counts: number[], missing = 0): Float64Array => Float64Array.from([...counts, missing]);

test('the same score distribution does not drift; the missing slot is left out', () => {
  const ref = hist([10, 20, 30, 40, 50, 50, 40, 30, 20, 10]);
  const cur = hist([20, 40, 60, 80, 100, 100, 80, 60, 40, 20], 500);
  const d = scoreDrift(ref, cur)!;
  assert.equal(d.psi, 0);
  assert.equal(d.ks, 0);
  assert.equal(d.jensenShannon, 0);
  assert.equal(d.drifted, false);
  assert.deepEqual(d.n, { reference: 300, current: 600 });
});

test('scores moved to the low bins drift by every method', () => {
  const ref = hist([10, 20, 30, 40, 50, 50, 40, 30, 20, 10]);
  const cur = hist([80, 70, 60, 40, 20, 10, 10, 5, 3, 2]);
  const d = scoreDrift(ref, cur)!;
  assert.equal(d.psi, psi(ref.subarray(0, SCORE_BINS), cur.subarray(0, SCORE_BINS)));
  assert.ok(d.psi > 0.2 && d.ksPValue < 1e-6 && d.jensenShannon > 0.1, JSON.stringify(d));
  assert.equal(d.drifted, true);
});

test('a window without scores has no score drift', () => {
  const empty = hist(new Array<number>(SCORE_BINS).fill(0), 40);
  assert.equal(scoreDrift(empty, hist([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])), null);
});
