import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseExposition } from '../scenarios/rule-evaluator.ts';
import { logisticRegressionOnnx, loopOnnx } from '../testing/onnx-fixtures.ts';
import { promote } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

/**
 * A request whose instances fall into two experiment arms scores the two versions one after
 * the other (onnxruntime-node runs on the main thread). Each prediction's latency must be its
 * own version's scoring plus the request's shared work, not the other version's run too:
 * a latency guardrail reads it (the --with-prometheus demo's canary of a faster retrain was
 * stopped as "latency +275 %" when the challenger was charged with the control's runs).
 */
for (const microBatch of ['true', 'false']) describe(`latency of a request that mixes versions (micro-batching ${microBatch === 'true' ? 'on' : 'off'})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { MODELWATCH_SERVING_MICROBATCH: microBatch });
    const created = await server.request('POST', '/api/v1/models', { body: { name: 'mix', features: [{ name: 'x', type: 'numeric' }] } });
    assert.equal(created.status, 201, created.text);
    // v1: a Loop of 30,000 identity steps ahead of the sigmoid, tens of milliseconds per run; v2: a logistic model, microseconds.
    for (const artifact of [loopOnnx(30_000), logisticRegressionOnnx({ weights: [0.5], bias: 0 })]) {
      const registered = await server.request('POST', '/api/v1/models/mix/versions', { body: { artifact: artifact.toString('base64') } });
      assert.equal(registered.status, 201, registered.text);
    }
    await promote(server, 'mix', 'v1');
    const arms = [{ name: 'slow', version: 'v1', weight: 1 }, { name: 'fast', version: 'v2', weight: 1 }];
    const experiment = await server.request('POST', '/api/v1/experiments', { body: { model: 'mix', arms, primaryMetric: 'ctr', salt: 'latency-attribution' } });
    assert.equal(experiment.status, 201, experiment.text);
  });
  after(() => server.close());

  test("the version scored second is not charged with the first one's run", async () => {
    // Which arm each unit falls in (the router's sticky hash), so that every request below
    // lists a slow-arm unit first: its group is scored first.
    const armOf = new Map<string, string>();
    for (let u = 0; armOf.size < 40; u++) {
      const r = await server.request('POST', '/api/v1/models/mix/predict', { body: { unitId: `u${u}`, features: { x: 1 } } });
      assert.equal(r.status, 200, r.text);
      armOf.set(`u${u}`, r.body.predictions[0].version);
    }
    const slow = [...armOf].filter(([, v]) => v === 'v1').map(([u]) => u);
    const fast = [...armOf].filter(([, v]) => v === 'v2').map(([u]) => u);
    assert.ok(slow.length >= 5 && fast.length >= 5, `${slow.length} / ${fast.length} units per arm`);
    const histogram = async () => {
      const samples = parseExposition((await server.request('GET', '/metrics')).text);
      const of = (name: string, version: string) => samples.find((s) => s.name === name && s.labels.model === 'mix' && s.labels.version === version)?.value ?? 0;
      return { v1: { sum: of('modelwatch_prediction_latency_seconds_sum', 'v1'), count: of('modelwatch_prediction_latency_seconds_count', 'v1') }, v2: { sum: of('modelwatch_prediction_latency_seconds_sum', 'v2'), count: of('modelwatch_prediction_latency_seconds_count', 'v2') } };
    };
    const before = await histogram();
    for (let i = 0; i < 10; i++) {
      const instances = [...slow.slice(0, 5), ...fast.slice(0, 5)].map((unitId) => ({ unitId, features: { x: i } }));
      const r = await server.request('POST', '/api/v1/models/mix/predict', { body: { instances } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.predictions.map((p: { version: string }) => p.version), [...Array(5).fill('v1'), ...Array(5).fill('v2')]);
    }
    const after = await histogram();
    const mean = (v: 'v1' | 'v2') => (after[v].sum - before[v].sum) / (after[v].count - before[v].count);
    assert.equal(after.v2.count - before.v2.count, 50, 'one observation per prediction');
    // v1's run is tens of ms; v2's own scoring well under a millisecond. Charged with v1's run, v2 would be as slow as v1.
    assert.ok(mean('v1') > 0.01, `v1 mean ${mean('v1')} s`);
    assert.ok(mean('v2') < mean('v1') / 4, `v2 mean ${mean('v2')} s against v1 ${mean('v1')} s`);
  });
});
