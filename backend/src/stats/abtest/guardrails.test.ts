import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../core/errors.ts';
import { adjustPValues } from '../multiple-testing.ts';
import { abtest, type AbTestResult } from './abtest.ts';
import { evaluateGuardrail } from './guardrails.ts';
import { analyzeMetrics, correctForMultipleMetrics } from './multiple-metrics.ts';

/** A result with a chosen interval (only the fields the guardrail reads matter). */
function withCi(lo: number, hi: number): AbTestResult {
  const base = abtest({ metric: 'proportion', control: { n: 1000, sum: 100 }, treatment: { n: 1000, sum: 100 } });
  return { ...base, effect: (lo + hi) / 2, ci: [lo, hi] };
}

describe('guardrails (non-inferiority)', () => {
  test('higher is better: judged on the lower bound', () => {
    const g = (lo: number, hi: number) => evaluateGuardrail({ name: 'ctr', result: withCi(lo, hi), direction: 'higher', margin: 0.02 }).status;
    assert.equal(g(-0.01, 0.03), 'non_inferior');
    assert.equal(g(-0.03, 0.01), 'inconclusive'); // crosses −2 %
    assert.equal(g(-0.06, -0.025), 'harmful');
    assert.equal(g(-0.02, 0.01), 'inconclusive'); // touching the margin is not inside it
  });

  test('lower is better: judged on the upper bound', () => {
    const g = (lo: number, hi: number) => evaluateGuardrail({ name: 'latency', result: withCi(lo, hi), direction: 'lower', margin: 5 }).status;
    assert.equal(g(-3, 4), 'non_inferior');
    assert.equal(g(-1, 6), 'inconclusive');
    assert.equal(g(5.5, 9), 'harmful');
  });

  test('failed unless non-inferiority is shown; a result without an estimate fails', () => {
    const v = evaluateGuardrail({ name: 'err', result: withCi(-0.01, 0.03), direction: 'higher', margin: 0.02 });
    assert.equal(v.failed, false);
    assert.equal(v.badSideBound, -0.01);
    assert.equal(v.limit, -0.02);
    const empty = abtest({ metric: 'proportion', control: { n: 0, sum: 0 }, treatment: { n: 0, sum: 0 } });
    const e = evaluateGuardrail({ name: 'err', result: empty, direction: 'higher', margin: 0.02 });
    assert.equal(e.status, 'inconclusive');
    assert.equal(e.failed, true);
  });

  test('rejects a negative margin', () => {
    assert.throws(
      () => evaluateGuardrail({ name: 'x', result: withCi(0, 1), direction: 'higher', margin: -1 }),
      (e: unknown) => e instanceof DomainError && e.message.includes('margin'),
    );
  });
});

describe('multiple metrics', () => {
  const metrics = [
    { name: 'ctr', input: { metric: 'proportion' as const, control: { n: 20000, sum: 1000 }, treatment: { n: 20000, sum: 1100 } } },
    { name: 'cvr', input: { metric: 'proportion' as const, control: { n: 20000, sum: 400 }, treatment: { n: 20000, sum: 430 } } },
    { name: 'clicks', input: { metric: 'proportion' as const, control: { n: 20000, sum: 3000 }, treatment: { n: 20000, sum: 3150 } } },
  ];

  test('Holm and BH use multiple-testing.ts on the per-metric p-values', () => {
    for (const correction of ['holm', 'benjamini_hochberg'] as const) {
      const out = analyzeMetrics(metrics, correction);
      const raw = out.map((o) => o.result.pValue);
      assert.deepEqual(out.map((o) => o.adjustedPValue), adjustPValues(raw, correction));
      out.forEach((o) => assert.equal(o.significant, o.adjustedPValue < 0.05));
      out.forEach((o) => assert.ok(o.adjustedPValue >= o.result.pValue));
    }
  });

  test('a correction can turn a raw win into a non-significant one', () => {
    const out = correctForMultipleMetrics(
      [0.02, 0.03, 0.04].map((p, i) => ({ name: `m${i}`, result: { ...withCi(0, 1), pValue: p } })),
      'holm',
    );
    assert.deepEqual(out.map((o) => o.significant), [false, false, false]);
  });
});
