import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareShadow } from './shadow-comparison.ts';

const hist = (counts: number[]): Float64Array => Float64Array.from([...counts, 0]);

test('agreement, drift and latency figures from the pair sums and the two sides', () => {
  const c = compareShadow({
    from: 0,
    to: 60_000,
    pairs: { pairs: 4, absDiffSum: 0.4, sqDiffSum: 0.16, agree: 3 },
    champion: { version: 'v1', totals: { requests: 4, errors: 0, latencyP50: 1, latencyP99: 2 }, scores: hist([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]) },
    shadow: { version: 'v2', totals: { requests: 5, errors: 1, latencyP50: 2, latencyP99: 5 }, scores: hist([0, 0, 0, 1, 1, 1, 1, 0, 0, 0]) },
  });
  assert.equal(c.pairs, 4);
  assert.ok(Math.abs(c.meanAbsDiff! - 0.1) < 1e-12);
  assert.ok(Math.abs(c.rmsDiff! - 0.2) < 1e-12);
  assert.equal(c.decisionAgreement, 0.75);
  assert.equal(c.shadow.errorRate, 0.2);
  assert.equal(c.champion.errorRate, 0);
  assert.equal(c.latencyRatio, 2.5);
  assert.ok(c.scoreDrift && c.scoreDrift.psi > 0);
});

test('no pairs and no traffic: nulls, never NaN', () => {
  const empty = { requests: 0, errors: 0, latencyP50: null, latencyP99: null };
  const c = compareShadow({ from: 0, to: 1, pairs: { pairs: 0, absDiffSum: 0, sqDiffSum: 0, agree: 0 }, champion: { version: 'v1', totals: empty, scores: hist(Array(10).fill(0)) }, shadow: { version: 'v2', totals: empty, scores: hist(Array(10).fill(0)) } });
  assert.deepEqual([c.meanAbsDiff, c.rmsDiff, c.decisionAgreement, c.scoreDrift, c.latencyRatio, c.shadow.errorRate], [null, null, null, null, null, null]);
});
