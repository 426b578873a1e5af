import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { logistic, perFeatureOnnx } from '../testing/onnx-fixtures.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const w1: [number, number] = [0.02, -0.01];
const w2: [number, number] = [-0.03, 0.02];

for (const dialect of testDialects()) {
  describe(`predict on ${dialect}`, () => {
    let server: TestServer;
    let ingestToken: string;
    before(async () => {
      server = await startTestServer(dialect);
      await createTestModel(server, 'ctr');
      ingestToken = (await server.request('POST', '/api/v1/tokens', { body: { name: 'producer', role: 'ingest' } })).body.token;
    });
    after(() => server.close());

    test('no champion yet: 422 that says to promote; unknown model: 404', async () => {
      const none = await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 2 } } });
      assert.equal(none.status, 422);
      assert.match(none.body.error.message, /has no champion to serve; register a version and promote it/);
      const ghost = await server.request('POST', '/api/v1/models/ghost/predict', { body: { features: { price: 1 } } });
      assert.equal(ghost.status, 404);
    });

    test('single and batched instances score like the model, in request order', async () => {
      await registerLogistic(server, 'ctr', w1, 0.1);
      await promote(server, 'ctr', 'v1');
      const single = await server.request('POST', '/api/v1/models/ctr/predict', { token: ingestToken, body: { unitId: 'u1', features: { price: 30, age: 41, category: 'shoes' } } });
      assert.equal(single.status, 200, single.text);
      const [p] = single.body.predictions;
      assert.deepEqual([p.version, p.arm], ['v1', 'champion']);
      assert.match(p.predictionId, /^[0-9a-f-]{36}$/);
      assert.ok(Math.abs(p.score - logistic(w1, 0.1, [30, 41])) < 1e-6);

      const rows = [{ price: 1, age: 2 }, { features: { price: 10, age: 0 }, unitId: 'u2' }, { price: -5, age: 7.5, category: 'x' }];
      const batch = await server.request('POST', '/api/v1/models/ctr/predict', { body: { instances: rows } });
      assert.equal(batch.status, 200, batch.text);
      const expected = [[1, 2], [10, 0], [-5, 7.5]].map((x) => logistic(w1, 0.1, x));
      batch.body.predictions.forEach((prediction: any, i: number) => assert.ok(Math.abs(prediction.score - expected[i]!) < 1e-6));
      assert.equal(new Set(batch.body.predictions.map((x: any) => x.predictionId)).size, 3);
    });

    test('bad bodies are 400s naming the field', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{}, /expected \{"features": \{\.\.\.\}\} or \{"instances": \[\.\.\.\]\}/],
        [{ features: { price: 1 } }, /body\.features\.age: missing/],
        [{ features: { price: '1', age: 2 } }, /body\.features\.price: expected a finite number, got "1"/],
        [{ instances: [] }, /must hold at least one instance/],
        [{ instances: [{ price: 1, age: 1 }, 7] }, /body\.instances\[1\]: expected an object/],
        [{ features: { price: 1, age: 1 }, instances: [] }, /not both/],
        [{ unitId: {}, features: {} }, /body\.unitId/],
      ];
      for (const [body, message] of cases) {
        const response = await server.request('POST', '/api/v1/models/ctr/predict', { body });
        assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.text}`);
        assert.match(response.body.error.message, message);
      }
    });

    test('every prediction reaches the monitor with its version, arm, latency and score', async () => {
      const from = Date.now() - 60_000;
      await server.ctx.serving.flushPredictionLog();
      const before = (await server.ctx.monitor.totals('ctr', { from, to: Date.now() + 60_000 })).reduce((n, t) => n + t.requests, 0);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: i, age: 1 } } })));
      assert.ok(answers.every((a) => a.status === 200));
      await server.ctx.serving.flushPredictionLog();
      const totals = await server.ctx.monitor.totals('ctr', { from, to: Date.now() + 60_000 });
      const v1 = totals.find((t) => t.version === 'v1' && t.arm === 'champion');
      assert.ok(v1);
      assert.equal(totals.reduce((n, t) => n + t.requests, 0) - before, 20);
      assert.equal(v1.errors, 0);
      assert.ok(v1.latencyCount >= 20 && v1.latencyP99 !== null);
      assert.ok(v1.scoreCount >= 20);
      const metrics = (await server.request('GET', '/metrics')).text;
      assert.match(metrics, /modelwatch_served_predictions_total\{model="ctr",version="v1"\} \d+/);
    });

    test('the router: experiment assignment per unit when the experiments service assigns, else the champion', async () => {
      await registerLogistic(server, 'ctr', w2, 0, { version: 'v2' });
      // The experiments' sync is paused, so that its copy of the store does not replace this entry meanwhile.
      await server.ctx.experiments.close();
      server.ctx.runningExperiments.set('ctr', {
        experimentId: 'e1',
        salt: 'test',
        arms: [{ name: 'treatment', version: 'v2' }],
        // Units starting with "t" get the treatment; the others, and no unit, no arm of the experiment.
        router: { allocation: { arms: [] }, armForBucket: () => 'none', assign: (unitId) => (unitId.startsWith('t') ? 'treatment' : 'none') },
      });
      try {
        const answer = await server.request('POST', '/api/v1/models/ctr/predict', {
          body: { instances: [{ unitId: 't-1', features: { price: 3, age: 4 } }, { unitId: 'c-1', features: { price: 3, age: 4 } }, { price: 3, age: 4 }] },
        });
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(answer.body.predictions.map((p: any) => [p.version, p.arm]), [['v2', 'treatment'], ['v1', 'champion'], ['v1', 'champion']]);
        assert.ok(Math.abs(answer.body.predictions[0].score - logistic(w2, 0, [3, 4])) < 1e-6);
      } finally {
        server.ctx.runningExperiments.remove('ctr', 'e1');
        await server.ctx.experiments.start();
      }
    });

    test('A/A: one version in two arms, each instance of a batch answered and logged under its own arm', async () => {
      await server.ctx.experiments.close();
      server.ctx.runningExperiments.set('ctr', {
        experimentId: 'e2',
        salt: 'test',
        arms: [{ name: 'a', version: 'v1' }, { name: 'b', version: 'v1' }],
        router: { allocation: { arms: [] }, armForBucket: () => 'a', assign: (unitId) => (unitId.startsWith('a') ? 'a' : 'b') },
      });
      try {
        const units = ['a-1', 'b-1', 'a-2', 'b-2', 'b-3'];
        const answer = await server.request('POST', '/api/v1/models/ctr/predict', { body: { instances: units.map((unitId) => ({ unitId, features: { price: 3, age: 4 } })) } });
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(answer.body.predictions.map((p: any) => [p.version, p.arm]), units.map((u) => ['v1', u[0]]));
      } finally {
        server.ctx.runningExperiments.remove('ctr', 'e2');
        await server.ctx.experiments.start();
      }
    });

    test('a rollback takes effect on the next request', async () => {
      await promote(server, 'ctr', 'v2');
      const onV2 = await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 1 } } });
      assert.equal(onV2.body.predictions[0].version, 'v2');
      const rollback = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'worse' } });
      assert.equal(rollback.status, 200, rollback.text);
      const next = await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 1 } } });
      assert.equal(next.body.predictions[0].version, 'v1');
    });

    test('per-feature models take categorical strings', async () => {
      await createTestModel(server, 'cat');
      const artifact = perFeatureOnnx([
        { name: 'price', type: 'numeric', weight: 0.1 },
        { name: 'category', type: 'categorical', categories: { shoes: 2, hats: -2 } },
      ]).toString('base64');
      const registered = await server.request('POST', '/api/v1/models/cat/versions', { body: { artifact } });
      assert.equal(registered.status, 201, registered.text);
      await promote(server, 'cat', 'v1');
      const answer = await server.request('POST', '/api/v1/models/cat/predict', { body: { instances: [{ price: 10, category: 'shoes' }, { price: 10, category: 'hats' }] } });
      assert.equal(answer.status, 200, answer.text);
      const [a, b] = answer.body.predictions.map((p: any) => p.score);
      assert.ok(Math.abs(a - 1 / (1 + Math.exp(-3))) < 1e-6);
      assert.ok(Math.abs(b - 1 / (1 + Math.exp(1))) < 1e-6);
    });
  });
}

describe('predict with micro-batching off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { MODELWATCH_SERVING_MICROBATCH: 'off' });
    await createTestModel(server, 'ctr');
    await registerLogistic(server, 'ctr', w1, 0.1);
    await promote(server, 'ctr', 'v1');
  });
  after(() => server.close());

  test('same scores, concurrent requests each run alone', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: i, age: 2 * i } } })));
    answers.forEach((answer, i) => assert.ok(Math.abs(answer.body.predictions[0].score - logistic(w1, 0.1, [i, 2 * i])) < 1e-6));
  });
});
