import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { snapshotGauges } from './snapshot-gauges.ts';

test('one scrape computes the snapshot once for all its gauges, also without a cache; the next scrape computes again', async () => {
  const prometheus = new Registry();
  let computed = 0;
  const gauge = snapshotGauges(prometheus, async () => {
    computed++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { value: computed };
  });
  for (const name of ['a', 'b', 'c']) gauge(`test_${name}`, name, ['k'], (g, s) => g.set({ k: name }, s.value));
  const first = await prometheus.metrics();
  assert.equal(computed, 1);
  assert.match(first, /test_a\{k="a"\} 1\n[\s\S]*test_c\{k="c"\} 1\n/);
  const second = await prometheus.metrics();
  assert.equal(computed, 2);
  assert.match(second, /test_b\{k="b"\} 2\n/);
});
