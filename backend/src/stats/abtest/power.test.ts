import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { abtest } from './abtest.ts';
import { minimumDetectableEffect, timeToDecision } from './power.ts';

const result = (n: number, sequential = false) =>
  abtest({
    metric: 'proportion',
    control: { n, sum: Math.round(n * 0.05) },
    treatment: { n, sum: Math.round(n * 0.052) },
    difference: 'absolute',
    ...(sequential ? { sequential: {} } : {}),
  });

describe('power', () => {
  test('MDE shrinks like 1/√n for a fixed horizon', () => {
    const a = minimumDetectableEffect(result(10_000)).mde as number;
    const b = minimumDetectableEffect(result(40_000)).mde as number;
    assert.ok(Math.abs(a / b - 2) < 0.01, `${a} / ${b}`);
    // textbook value: (1.959964 + 0.841621) · √(2·0.05·0.95/10000) ≈ 0.00863
    assert.ok(Math.abs(a - 2.801585 * Math.sqrt((0.05 * 0.95 + 0.052 * 0.948) / 10_000)) < 1e-6);
  });

  test('the sequential MDE is larger than the fixed-horizon one', () => {
    for (const n of [1000, 10_000, 100_000]) {
      assert.ok((minimumDetectableEffect(result(n, true)).mde as number) > (minimumDetectableEffect(result(n)).mde as number));
    }
  });

  test('time to decision: missing units over the traffic rate, 0 once powered', () => {
    const r = result(10_000);
    const mde = minimumDetectableEffect(r).mde as number;
    const t = timeToDecision(r, { targetEffect: mde / 2, trafficRate: 100 });
    assert.ok(Math.abs((t.requiredSampleSize as number) - 80_000) <= 1);
    assert.equal(t.estimatedTime, ((t.requiredSampleSize as number) - 20_000) / 100);
    assert.equal(timeToDecision(r, { targetEffect: mde * 2, trafficRate: 100 }).estimatedTime, 0);
    assert.equal(timeToDecision(r, { targetEffect: mde / 2 }).estimatedTime, null);
  });

  test('sequential required sample reaches the target exactly', () => {
    const r = result(10_000, true);
    const target = 0.004;
    const t = timeToDecision(r, { targetEffect: target, trafficRate: 50 });
    const n = t.requiredSampleSize as number;
    // at n the MDE is at most the target, at n·0.99 it is above it
    const at = (m: number) => minimumDetectableEffect({ ...r, se: r.se * Math.sqrt(20_000 / m), control: { ...r.control, n: m / 2 }, treatment: { ...r.treatment, n: m / 2 } }).mde as number;
    assert.ok(at(n) <= target * (1 + 1e-9));
    assert.ok(at(n * 0.99) > target);
  });

  test('no estimate → nulls, never NaN', () => {
    const empty = abtest({ metric: 'proportion', control: { n: 0, sum: 0 }, treatment: { n: 0, sum: 0 } });
    const t = timeToDecision(empty, { targetEffect: 0.01, trafficRate: 10 });
    assert.equal(t.mde, null);
    assert.equal(t.estimatedTime, null);
    assert.ok(t.reason);
  });
});
