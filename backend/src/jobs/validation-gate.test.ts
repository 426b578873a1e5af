import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { gateRuleSchema, retrainSettingsOf } from './retrain-settings.ts';
import { judgeGate } from './validation-gate.ts';

// Four held-out rows; expected values by hand:
// candidate AUC 1, log loss −(ln .9 + ln .8 + ln .7 + ln .8)/4 = 0.227081;
// champion AUC 3/4 (0.4 loses to 0.5), log loss −(ln .6 + ln .4 + ln .5 + ln .7)/4 = 0.619235.
const labels = [1, 1, 0, 0];
const good = [0.9, 0.8, 0.3, 0.2];
const weaker = [0.6, 0.4, 0.5, 0.3];
const rule = gateRuleSchema.parse({ minPositives: 2, minNegatives: 2 });

describe('validation gate', () => {
  test('a better candidate passes, with AUCs, log losses and the DeLong test stored', () => {
    const result = judgeGate(labels, good, { version: 'v1', scores: weaker }, rule);
    assert.equal(result.status, 'passed');
    assert.deepEqual(result.reasons, []);
    assert.deepEqual(result.candidate, { auc: 1, logLoss: 0.227081 });
    assert.deepEqual(result.champion, { version: 'v1', auc: 0.75, logLoss: 0.619235 });
    assert.equal(result.delong?.difference, 0.25);
    assert.ok(result.delong!.pValue > 0 && result.delong!.pValue <= 1);
    assert.equal(result.logLossChange, -0.633288);
    assert.deepEqual([result.rows, result.positives, result.negatives], [4, 2, 2]);
  });

  test('a worse candidate fails on AUC and on log loss, naming both', () => {
    const result = judgeGate(labels, weaker, { version: 'v1', scores: good }, rule);
    assert.equal(result.status, 'failed');
    assert.equal(result.reasons.length, 2);
    assert.match(result.reasons[0]!, /AUC 0\.75 is below the champion's 1 by more than 0\.005/);
    assert.match(result.reasons[1]!, /log loss 0\.619235 is 172\.6\d*% worse/);
  });

  test('equal models pass (AUC within 0.005, log loss within 2%)', () => {
    assert.equal(judgeGate(labels, good, { version: 'v1', scores: good }, rule).status, 'passed');
  });

  test('DeLong rule, when asked for, fails a significantly worse candidate', () => {
    const n = 200;
    const y = Array.from({ length: n }, (_, i) => i % 2);
    const strong = y.map((v, i) => (v ? 0.6 : 0.4) + ((i * 7919) % 100) / 1000);
    const noisy = y.map((v, i) => (v ? 0.52 : 0.48) + ((i * 7919) % 100) / 500 - 0.1);
    const strict = gateRuleSchema.parse({ maxAucDrop: 1, maxLogLossIncrease: 100, failIfSignificantlyWorse: true });
    const result = judgeGate(y, noisy, { version: 'v1', scores: strong }, strict);
    assert.equal(result.status, 'failed');
    assert.match(result.reasons.join(), /DeLong/);
  });

  test('without a champion the AUC floor decides', () => {
    assert.equal(judgeGate(labels, weaker, undefined, rule).status, 'passed');
    const high = judgeGate(labels, weaker, undefined, { ...rule, minAuc: 0.8 });
    assert.equal(high.status, 'failed');
    assert.match(high.reasons[0]!, /below the floor 0\.8/);
    assert.equal(high.champion, null);
    assert.equal(high.delong, null);
  });

  test('too few held-out rows of a class fails: nobody could judge the candidate', () => {
    const result = judgeGate(labels, good, undefined, gateRuleSchema.parse({}));
    assert.equal(result.status, 'failed');
    assert.match(result.reasons[0]!, /2 positives and 2 negatives; the gate needs at least 10 and 10/);
    assert.equal(result.candidate, null);
  });

  test('non-finite candidate scores fail; nothing non-finite reaches the result', () => {
    const result = judgeGate(labels, [Number.NaN, 0.8, 0.3, 0.2], undefined, rule);
    assert.equal(result.status, 'failed');
    assert.match(result.reasons[0]!, /1 non-finite scores/);
    assert.doesNotThrow(() => JSON.stringify(result));
    assert.ok(Number.isFinite(result.candidate!.logLoss));
  });

  // Superiority on a seeded hold-out: 2,000 rows, 20 % positives; the champion sees the
  // signal through more noise than the candidate (AUC ≈ 0.76 vs ≈ 0.84).
  const rand = createRng(14);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const y = Array.from({ length: 2000 }, () => (rand() < 0.2 ? 1 : 0));
  const signal = y.map((v) => v * 1.4 + normal());
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-(x - 1.5)));
  const candidate = signal.map((x) => sigmoid(x + 0.3 * normal()));
  const champion = signal.map((x) => sigmoid(x + 0.9 * normal()));
  const superiority = (extra: Record<string, unknown> = {}) => gateRuleSchema.parse({ policy: 'superiority', maxLogLossIncrease: 100, ...extra });

  test('superiority: a clearly better candidate passes; DeLong one-sided p and lower bound are stored', () => {
    const result = judgeGate(y, candidate, { version: 'v1', scores: champion }, superiority());
    assert.equal(result.status, 'passed', result.reasons.join('; '));
    assert.ok(result.superiority!.superior);
    assert.ok(result.superiority!.pValue < 0.05 && result.superiority!.lower > 0, JSON.stringify(result.superiority));
  });

  test('superiority: a gain smaller than minAucGain fails, and so does a candidate equal to the champion', () => {
    const gain = judgeGate(y, candidate, { version: 'v1', scores: champion }, superiority({ minAucGain: 0.2 }));
    assert.equal(gain.status, 'failed');
    assert.match(gain.reasons[0]!, /superiority: the AUC gain 0\.\d+ over the champion's 0\.\d+ is not shown to exceed 0\.2 \(DeLong one-sided p = /);
    const same = judgeGate(y, champion, { version: 'v1', scores: champion }, superiority());
    assert.equal(same.status, 'failed', 'not worse is not better');
    assert.equal(same.superiority!.pValue, 1);
    // The same equal candidate passes the non-inferiority gate.
    assert.equal(judgeGate(y, champion, { version: 'v1', scores: champion }, gateRuleSchema.parse({})).status, 'passed');
  });

  test('the gate policy is validated per model, naming the field', () => {
    assert.equal(retrainSettingsOf({ retrain: { gate: { policy: 'superiority', minAucGain: 0.01 } } }).gate.policy, 'superiority');
    assert.equal(retrainSettingsOf({}).gate.policy, 'non_inferiority');
    assert.throws(() => retrainSettingsOf({ retrain: { gate: { policy: 'better' } } }), /settings\.retrain\.gate\.policy.*non_inferiority, superiority/);
    assert.throws(() => retrainSettingsOf({ retrain: { gate: { minAucGain: -1 } } }), /settings\.retrain\.gate\.minAucGain/);
  });

  test('a retrain canary has default guardrails (CTR, error rate, latency) unless the model says otherwise', () => {
    assert.deepEqual(
      retrainSettingsOf({}).canary.guardrails.map((g) => [g.metric, g.margin]),
      [['ctr', 0.05], ['error_rate', 0.01], ['latency', 0.2]],
    );
    assert.deepEqual(retrainSettingsOf({ retrain: { canary: { weight: 20, guardrails: [] } } }).canary, { weight: 20, primaryMetric: 'ctr', autoDecide: false, guardrails: [] });
    assert.throws(() => retrainSettingsOf({ retrain: { canary: { guardrails: [{ metric: 'p99', margin: 1 }] } } }), /settings\.retrain\.canary\.guardrails\[0\]\.metric: expected one of ctr, /);
  });

  test('superiority, simulated (fixed seeds): an equally good candidate passes at most about alpha of the time; a better one nearly always', () => {
    // 200 hold-outs of 1,000 rows: candidate and champion read the same signal through
    // independent noise of the same size (equal) or less noise (better, AUC +≈0.05).
    const rule = superiority();
    const passRate = (candidateNoise: number, seed0: number) => {
      let passed = 0;
      for (let seed = seed0; seed < seed0 + 200; seed++) {
        const r = createRng(seed);
        const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
        const labels = Array.from({ length: 1000 }, () => (r() < 0.3 ? 1 : 0));
        const base = labels.map((v) => v * 1.2 + gauss());
        const champ = base.map((x) => sigmoid(x + 0.8 * gauss()));
        const cand = base.map((x) => sigmoid(x + candidateNoise * gauss()));
        if (judgeGate(labels, cand, { version: 'v1', scores: champ }, rule).status === 'passed') passed++;
      }
      return passed / 200;
    };
    const equal = passRate(0.8, 1000);
    const better = passRate(0.3, 2000);
    assert.ok(equal <= 0.08, `equal candidate passed ${equal * 100} % of the time (alpha 5 %)`);
    assert.ok(better >= 0.9, `better candidate passed only ${better * 100} %`);
  });
});
