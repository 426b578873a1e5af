import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fuzzApi } from '../testing/fuzz-api.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

// npm test runs a few hundred requests; the full run (issue 16: ≥ 10,000, 0 × 5xx):
//   MODELWATCH_FUZZ_REQUESTS=10000 node --test src/http/fuzz.test.ts
const requests = Number(process.env.MODELWATCH_FUZZ_REQUESTS ?? 600);
const seed = Number(process.env.MODELWATCH_FUZZ_SEED ?? 16);

let server: TestServer;
before(async () => {
  server = await startTestServer();
  const created = await server.request('POST', '/api/v1/models', { body: { name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } });
  assert.equal(created.status, 201, created.text);
  const version = await server.request('POST', '/api/v1/models/m/versions', { body: { version: 'v1', artifact: logisticRegressionOnnx({ weights: [0.5] }).toString('base64') } });
  assert.equal(version.status, 201, version.text);
});
after(() => server.close());

test(`every OpenAPI operation, ${requests} hostile requests (seed ${seed}): no 5xx`, { timeout: 600_000 }, async () => {
  const artifact = logisticRegressionOnnx({ weights: [0.5] }).toString('base64');
  const examples = {
    'POST /api/v1/models': { name: 'f', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] },
    'PUT /api/v1/models/{model}/settings': { settings: {} },
    'POST /api/v1/models/{model}/versions': { artifact },
    'PUT /api/v1/models/{model}/versions/{version}/validation': { status: 'passed' },
    'POST /api/v1/models/{model}/predictions': { records: [{ id: 'a', ts: Date.now(), version: 'v1', features: { x: 1 } }] },
    'POST /api/v1/models/{model}/versions/{version}/profile': { from: 0, to: Date.now() },
    'POST /api/v1/models/{model}/actions/retrain': {},
    'POST /api/v1/stats/drift': { reference: { x: [1, 2, 3] }, current: { x: [2, 3, 4] } },
  };
  const report = await fuzzApi(server.url, server.adminToken, { requests, seed, known: { model: 'm', version: 'v1' }, examples });
  if (process.env.MODELWATCH_FUZZ_REQUESTS) console.log(JSON.stringify({ operations: report.operations, requests: report.requests, byStatus: report.byStatus, fiveXx: report.failures.length }));
  assert.ok(report.operations >= 50, `${report.operations} operations in the OpenAPI document`);
  assert.deepEqual(report.failures, []);
});
