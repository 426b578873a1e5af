import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, historyWindowMs, policyMatches, type PastAction } from './policy-engine.ts';
import { formatDuration } from '../core/duration.ts';
import { defaultPolicyDocument, policyDocumentInputSchema, type PolicyDocument } from './policy-schema.ts';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
const drift = { alertname: 'ModelWatchDatasetDrift', model: 'ctr', modelwatch_action: 'retrain', severity: 'critical' };

const doc = (input: unknown): PolicyDocument => policyDocumentInputSchema.parse(input);
const past = (minutesAgo: number, extra: Partial<PastAction> = {}): PastAction => ({
  model: 'ctr',
  action: 'retrain',
  policy: 'default-retrain',
  at: T0 - minutesAgo * MIN,
  dryRun: false,
  ...extra,
});

describe('default policy (docs/api.md)', () => {
  const policies = defaultPolicyDocument();

  test('retrain and rollback labels act; anything else is ignored', () => {
    assert.equal(decide(drift, policies, [], T0).outcome, 'act');
    const rollback = decide({ ...drift, modelwatch_action: 'rollback' }, policies, [], T0);
    assert.deepEqual([rollback.outcome, rollback.action, rollback.model], ['act', 'rollback', 'ctr']);
    const others: Array<Record<string, string>> = [
      { ...drift, modelwatch_action: 'none' },
      { ...drift, modelwatch_action: 'stop_experiment' },
      { alertname: 'X', model: 'ctr' },
      { alertname: 'X', modelwatch_action: 'retrain' },
    ];
    for (const labels of others) {
      const decision = decide(labels, policies, [], T0);
      assert.equal(decision.outcome, 'ignored', JSON.stringify(labels));
      assert.equal(decision.action, 'none');
    }
  });

  test('30-minute cooldown per model and action', () => {
    assert.equal(decide(drift, policies, [past(29)], T0).outcome, 'cooldown');
    assert.match(decide(drift, policies, [past(29)], T0).reason, /cooldown 1800 s \(60 s left\)/);
    assert.equal(decide(drift, policies, [past(30)], T0).outcome, 'act');
    // Another model, or another action on the same model, is not in cooldown.
    assert.equal(decide(drift, policies, [past(1, { model: 'other' })], T0).outcome, 'act');
    assert.equal(decide(drift, policies, [past(1, { action: 'rollback' })], T0).outcome, 'act');
  });

  test('no second retrain while the last one is in flight, however long ago it was queued', () => {
    const running = past(300, { policy: null, external: true, inFlight: 'the canary experiment e1 of retrain job r1 is still deciding' });
    const held = decide(drift, policies, [running], T0);
    assert.equal(held.outcome, 'cooldown');
    assert.match(held.reason, /^the canary experiment e1 of retrain job r1 is still deciding; no second retrain of "ctr" until it ends/);
    assert.equal(decide(drift, policies, [{ ...running, inFlight: null }], T0).outcome, 'act', 'ended: the cooldown alone counts');
    assert.equal(decide(drift, policies, [{ ...running, model: 'other' }], T0).outcome, 'act', 'another model');
    assert.equal(decide({ ...drift, modelwatch_action: 'rollback' }, policies, [running], T0).outcome, 'act', 'a rollback is not held by a retrain');
  });

  test("a rollback's cooldown is per version it aims at; a retrain's is per model", () => {
    const errors = (version?: string) => ({ alertname: 'ModelWatchErrorRateHigh', model: 'ctr', modelwatch_action: 'rollback', ...(version ? { version } : {}) });
    const canaryStopped = past(5, { action: 'rollback', policy: 'default-rollback', version: 'v2' });
    assert.equal(decide(errors('v2'), policies, [canaryStopped], T0).outcome, 'cooldown');
    assert.match(decide(errors('v2'), policies, [canaryStopped], T0).reason, /rollback on "ctr" \(version v2\) already done/);
    assert.equal(decide(errors('v1'), policies, [canaryStopped], T0).outcome, 'act', 'the champion v1 is another target');
    assert.equal(decide(errors(), policies, [past(5, { action: 'rollback', version: null })], T0).outcome, 'cooldown');
    // Drift of two versions of one model is one retrain per cooldown.
    assert.equal(decide({ ...drift, version: 'v1' }, policies, [past(5, { version: 'v2' })], T0).outcome, 'cooldown');
  });
});

describe('configured policies', () => {
  test('first enabled match wins; exact, "*" and regex matchers', () => {
    const policies = doc({
      policies: [
        { name: 'off', enabled: false, match: { model: 'ctr' }, action: 'rollback' },
        { name: 'drift', match: { alertname: 'ModelWatchDatasetDrift' }, matchRe: { model: 'ctr|cvr' }, action: 'retrain' },
        { name: 'any', match: { model: '*' }, action: 'none' },
      ],
    });
    assert.equal(decide(drift, policies, [], T0).policy?.name, 'drift');
    assert.equal(decide({ ...drift, model: 'ctr2' }, policies, [], T0).policy?.name, 'any', 'regex matches the whole value');
    assert.equal(decide({ ...drift, model: 'ctr2' }, policies, [], T0).outcome, 'ignored');
    assert.equal(policyMatches(policies.policies[2]!, { model: '' }), false, '"*" needs a non-empty value');
  });

  test('a retrain queued outside the alert path holds the cooldown but uses no rate-limit budget', () => {
    const policies = defaultPolicyDocument();
    const scheduled = past(10, { policy: null, external: true });
    const held = decide(drift, policies, [scheduled], T0);
    assert.equal(held.outcome, 'cooldown');
    assert.match(held.reason, /queued 600 s ago outside the alert path .*cooldown 1800 s \(1200 s left\)/);
    assert.equal(decide(drift, policies, [past(31, { policy: null, external: true })], T0).outcome, 'act');
    const tight = doc({ maxActionsPerHour: 1, maxActionsPerModelPerHour: 1, policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: '5m' }] });
    assert.equal(decide(drift, tight, [past(10, { policy: null, external: true })], T0).outcome, 'act', 'not counted against the hourly budgets');
  });

  test('cooldown is configurable and zero disables it', () => {
    const policies = doc({ policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: '2h' }] });
    assert.equal(policies.policies[0]!.cooldown, 7_200_000);
    assert.equal(decide(drift, policies, [past(119)], T0).outcome, 'cooldown');
    assert.equal(decide(drift, policies, [past(121)], T0).outcome, 'act');
    assert.equal(historyWindowMs(policies), 7_200_000);
    const none = doc({ policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: 0 }] });
    assert.equal(decide(drift, none, [past(0)], T0).outcome, 'act');
  });

  test('global rate limit counts every action in the rolling hour', () => {
    const policies = doc({ maxActionsPerHour: 3, policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: 0 }] });
    const three = [past(10, { model: 'a' }), past(20, { model: 'b', action: 'rollback' }), past(59, { model: 'c' })];
    const limited = decide(drift, policies, three, T0);
    assert.equal(limited.outcome, 'rate_limited');
    assert.match(limited.reason, /3 actions in the last hour; the limit is 3/);
    // One of them just left the hour.
    assert.equal(decide(drift, policies, [...three.slice(0, 2), past(60, { model: 'c' })], T0).outcome, 'act');
  });

  test('the hourly limit counts per sending credential; each model has its own limit', () => {
    const policies = doc({ maxActionsPerHour: 2, maxActionsPerModelPerHour: 2, policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: 0 }] });
    const noisy = [past(1, { model: 'a', sender: 'noisy' }), past(2, { model: 'b', sender: 'noisy' })];
    assert.equal(decide(drift, policies, noisy, T0, 'noisy').outcome, 'rate_limited');
    assert.equal(decide(drift, policies, noisy, T0, 'genuine').outcome, 'act', "another credential's budget is its own");
    const onModel = [past(1, { sender: 'x' }), past(2, { sender: 'y' })];
    const limited = decide(drift, policies, onModel, T0, 'z');
    assert.equal(limited.outcome, 'rate_limited');
    assert.match(limited.reason, /2 actions on "ctr" in the last hour; the limit per model is 2/);
  });

  test("an alert held for its sender's rights does not put another sender's action into cooldown", () => {
    const policies = defaultPolicyDocument();
    const held = [past(1, { sender: 'editor-token', heldForRights: true })];
    assert.equal(decide(drift, policies, held, T0, 'webhook-token').outcome, 'act');
    assert.equal(decide(drift, policies, held, T0, 'editor-token').outcome, 'cooldown');
  });

  test('per-policy rate limit counts only that policy', () => {
    const policies = doc({
      policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', cooldown: 0, maxActionsPerHour: 2 }],
    });
    const others = [past(1, { policy: 'q' }), past(2, { policy: 'q' }), past(3, { policy: 'q' })];
    assert.equal(decide(drift, policies, others, T0).outcome, 'act');
    const limited = decide(drift, policies, [past(1, { policy: 'p' }), past(2, { policy: 'p' })], T0);
    assert.equal(limited.outcome, 'rate_limited');
    assert.match(limited.reason, /policy "p" took 2 actions/);
  });

  test('dry run: decides like the real thing, records, never blocks real actions', () => {
    const policies = doc({ policies: [{ name: 'p', match: { model: '*' }, action: 'retrain', mode: 'dry_run' }] });
    const first = decide(drift, policies, [], T0);
    assert.equal(first.outcome, 'dry_run');
    assert.match(first.reason, /dry run: would retrain "ctr"/);
    // A second dry run within the cooldown reports the cooldown it would hit.
    assert.equal(decide(drift, policies, [past(5, { dryRun: true, policy: 'p' })], T0).outcome, 'cooldown');
    // A real policy ignores dry-run history.
    const real = doc({ policies: [{ name: 'p', match: { model: '*' }, action: 'retrain' }] });
    assert.equal(decide(drift, real, [past(5, { dryRun: true })], T0).outcome, 'act');
    // The global switch turns every policy into a dry run.
    const global = doc({ dryRun: true, policies: [{ name: 'p', match: { model: '*' }, action: 'rollback', mode: 'approval' }] });
    const decision = decide(drift, global, [], T0);
    assert.deepEqual([decision.outcome, decision.mode, decision.action], ['dry_run', 'dry_run', 'rollback']);
  });

  test('approval: pending, and a pending one holds the cooldown', () => {
    const policies = doc({ policies: [{ name: 'p', match: { model: '*' }, action: 'rollback', mode: 'approval' }] });
    const decision = decide(drift, policies, [], T0);
    assert.deepEqual([decision.outcome, decision.action, decision.mode], ['pending', 'rollback', 'approval']);
    assert.equal(decide(drift, policies, [past(1, { action: 'rollback' })], T0).outcome, 'cooldown');
  });

  test('an alert without a model is never acted on', () => {
    const policies = doc({ policies: [{ name: 'p', match: { alertname: 'ModelWatchDatasetDrift' }, action: 'retrain' }] });
    const decision = decide({ alertname: 'ModelWatchDatasetDrift' }, policies, [], T0);
    assert.equal(decision.outcome, 'ignored');
    assert.match(decision.reason, /no "model" label/);
  });
});

describe('policy document validation', () => {
  test('rejects what it cannot honour, naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ policies: [{ name: 'p', action: 'explode' }] }, /action/],
      [{ policies: [{ name: 'P Q', action: 'none' }] }, /name/],
      [{ policies: [{ name: 'p', action: 'none', matchRe: { model: '(' } }] }, /valid regular expression/],
      [{ policies: [{ name: 'p', action: 'none', match: { 'bad-label': 'x' } }] }, /label name/],
      [{ policies: [{ name: 'p', action: 'none', cooldown: '5 parsecs' }] }, /duration/],
      [{ policies: [{ name: 'p', action: 'none' }, { name: 'p', action: 'none' }] }, /policies\.1\.name: duplicate policy name "p"/],
      [{ maxActionsPerHour: -1, policies: [] }, /maxActionsPerHour|>=0|too small/i],
      [{}, /policies/],
    ];
    for (const [input, message] of cases) {
      const result = policyDocumentInputSchema.safeParse(input);
      assert.equal(result.success, false, JSON.stringify(input));
      const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      assert.match(issues, message, JSON.stringify(input));
    }
  });

  test('durations print back compactly', () => {
    assert.deepEqual([1_800_000, 3_600_000, 90_000, 86_400_000, 1500, 0].map(formatDuration), ['30m', '1h', '90s', '1d', '1500ms', '0ms']);
  });
});
