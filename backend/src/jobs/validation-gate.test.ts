import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gateRuleSchema } from './retrain-settings.ts';
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
});
