/**
 * The library's key verdicts on fixed seeds, through the real service on the engine
 * (docs/scenarios.md has the rates over many seeds): an A/A canary takes no action, a better
 * challenger is promoted, an error spike on the canary stops it with the champion kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aaCanary } from './aa-canary.ts';
import { betterChallenger } from './better-challenger.ts';
import { errorCanary } from './error-canary.ts';
import { runSeed } from './run-seed.ts';
import type { LibraryScenario } from './scenario.ts';

/** The A/A canary over its first 25 minutes (the full horizon is the scenario runner's job). */
const shortAa: LibraryScenario = { ...aaCanary, horizonMinutes: 25, spec: (seed) => ({ ...aaCanary.spec(seed), horizonMinutes: 25 }) };
let aaRun: ReturnType<typeof runSeed> | undefined;
const aaSeed2 = () => (aaRun ??= runSeed(shortAa, 2));

test('A/A canary (seed 2): no promotion, no rollback, champion kept', async () => {
  const { verdict } = await aaSeed2();
  assert.equal(verdict.falsePromotion, false, verdict.summary);
  assert.equal(verdict.falseRollback, false, verdict.summary);
  assert.match(verdict.summary, /final champion v1/);
});

test(
  'A/A canary (seed 2): no sample-ratio alarm either (serving/predict.ts logged a whole call under its first instance\'s arm; docs/scenarios.md, Findings 1)',
  async () => {
    const { verdict } = await aaSeed2();
    assert.ok(verdict.correct, verdict.summary);
  },
);

test('better challenger (seed 2): the canary promotes v2', async () => {
  const { verdict } = await runSeed(betterChallenger, 2);
  assert.ok(verdict.correct, verdict.summary);
  assert.equal(verdict.falseRollback, false);
  assert.ok(verdict.decisionMinutes !== null && verdict.decisionMinutes <= betterChallenger.horizonMinutes);
});

test('error spike on the canary (seed 1): the canary is stopped, v1 kept, v2 serves nothing', async () => {
  const { verdict } = await runSeed(errorCanary, 1);
  assert.ok(verdict.correct, verdict.summary);
  assert.equal(verdict.falsePromotion, false);
  assert.equal(verdict.falseRollback, false);
  assert.match(verdict.summary, /final champion v1, serving v1(;|$)/);
});
