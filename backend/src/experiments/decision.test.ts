import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../core/errors.ts';
import { abtest, type AbTestInput } from '../stats/abtest/abtest.ts';
import { srm } from '../stats/abtest/srm.ts';
import { decide, type DecisionInput } from './decision.ts';

const ctr = (c: number, t: number, n = 20_000, sequential = false) =>
  abtest({
    metric: 'proportion',
    control: { n, sum: Math.round(n * c) },
    treatment: { n, sum: Math.round(n * t) },
    ...(sequential ? { sequential: {} } : {}),
  } satisfies AbTestInput);

const latency = (c: number, t: number, n = 20_000, sequential = false) =>
  abtest({
    metric: 'mean',
    control: { n, sum: n * c, sumSquares: n * c * c + (n - 1) * 400 },
    treatment: { n, sum: n * t, sumSquares: n * t * t + (n - 1) * 400 },
    direction: 'lower',
    ...(sequential ? { sequential: {} } : {}),
  });

const base = (over: Partial<DecisionInput>): DecisionInput => ({
  primary: { name: 'ctr', result: ctr(0.05, 0.056) },
  sequential: false,
  sampleSize: 40_000,
  minSampleSize: 40_000,
  ...over,
});

describe('decide', () => {
  test('fixed horizon: promote at the planned sample when better and guardrails hold', () => {
    const d = decide(base({ guardrails: [{ name: 'latency', result: latency(100, 100), margin: 0.02 }] }));
    assert.equal(d.recommendation, 'promote');
    assert.equal(d.guardrails[0]?.status, 'non_inferior');
    assert.match(d.reasons.join('\n'), /significantly better/);
  });

  test('fixed horizon: keep running before the planned sample, however good it looks', () => {
    const d = decide(base({ sampleSize: 20_000 }));
    assert.equal(d.recommendation, 'keep_running');
    assert.match(d.reasons[0] as string, /planned/);
  });

  test('fixed horizon: inconclusive at the planned sample without a significant result', () => {
    assert.equal(decide(base({ primary: { name: 'ctr', result: ctr(0.05, 0.0502) } })).recommendation, 'inconclusive');
  });

  test('rollback when the primary is significantly worse', () => {
    const d = decide(base({ primary: { name: 'ctr', result: ctr(0.056, 0.05) } }));
    assert.equal(d.recommendation, 'rollback');
    assert.match(d.reasons[0] as string, /significantly worse/);
  });

  test('lower-is-better primary: a latency drop promotes', () => {
    assert.equal(decide(base({ primary: { name: 'latency', result: latency(100, 98) } })).recommendation, 'promote');
    assert.equal(decide(base({ primary: { name: 'latency', result: latency(100, 102) } })).recommendation, 'rollback');
  });

  test('a harmful guardrail rolls back even when the primary wins', () => {
    const d = decide(base({ guardrails: [{ name: 'latency', result: latency(100, 110), margin: 0.02 }] }));
    assert.equal(d.recommendation, 'rollback');
    assert.equal(d.guardrails[0]?.status, 'harmful');
    assert.match(d.reasons[0] as string, /latency/);
  });

  test('a guardrail not yet shown non-inferior blocks promotion', () => {
    const guardrails = [{ name: 'latency', result: latency(100, 101.9), margin: 0.02 }];
    assert.equal(decide(base({ guardrails })).guardrails[0]?.status, 'inconclusive');
    assert.equal(decide(base({ guardrails })).recommendation, 'inconclusive');
  });

  test('sample ratio mismatch overrides everything', () => {
    const d = decide(base({ srm: srm({ counts: [20_400, 19_600], weights: [1, 1] }) }));
    assert.equal(d.recommendation, 'inconclusive');
    assert.match(d.reasons[0] as string, /sample ratio mismatch/);
  });

  test('sequential: decide as soon as the confidence sequence excludes 0', () => {
    const win = ctr(0.05, 0.065, 10_000, true);
    assert.ok(win.ci[0] > 0);
    assert.equal(decide({ primary: { name: 'ctr', result: win }, sequential: true, sampleSize: 20_000, minSampleSize: 1000 }).recommendation, 'promote');
    const open = ctr(0.05, 0.052, 10_000, true);
    assert.ok(open.ci[0] < 0 && open.ci[1] > 0);
    const d = decide({ primary: { name: 'ctr', result: open }, sequential: true, sampleSize: 20_000, minSampleSize: 1000 });
    assert.equal(d.recommendation, 'keep_running');
    const capped = decide({ primary: { name: 'ctr', result: open }, sequential: true, sampleSize: 20_000, minSampleSize: 1000, maxSampleSize: 20_000 });
    assert.equal(capped.recommendation, 'inconclusive');
  });

  test('sequential: below the minimum sample nothing is decided', () => {
    const win = ctr(0.05, 0.065, 10_000, true);
    assert.equal(decide({ primary: { name: 'ctr', result: win }, sequential: true, sampleSize: 20_000, minSampleSize: 50_000 }).recommendation, 'keep_running');
  });

  test('no estimate yet: keep running (sequential) or inconclusive (fixed, at the plan)', () => {
    const empty = abtest({ metric: 'proportion', control: { n: 0, sum: 0 }, treatment: { n: 0, sum: 0 }, sequential: {} });
    assert.equal(decide({ primary: { name: 'ctr', result: empty }, sequential: true, sampleSize: 0, minSampleSize: 0 }).recommendation, 'keep_running');
    const emptyFixed = abtest({ metric: 'proportion', control: { n: 0, sum: 0 }, treatment: { n: 0, sum: 0 } });
    assert.equal(decide({ primary: { name: 'ctr', result: emptyFixed }, sequential: false, sampleSize: 0, minSampleSize: 0 }).recommendation, 'inconclusive');
  });

  test('results computed the other way are refused', () => {
    assert.throws(
      () => decide(base({ sequential: true })),
      (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.message.includes('primary.result'),
    );
    assert.throws(() => decide(base({ sampleSize: -1 })), (e: unknown) => e instanceof DomainError && e.message.includes('sampleSize'));
  });
});
