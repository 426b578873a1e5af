/**
 * The dedicated serving thread (MODELWATCH_SERVING_PORT), through real HTTP on both ports: it
 * answers /predict like the main port, its predictions reach the main port's monitor and
 * /metrics, promote and rollback switch its next request, and outcomes sent to the main port
 * right after its replies join.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { requestJson, startTestServer, TEST_ADMIN_TOKEN, type RequestOptions, type TestServer } from '../testing/test-server.ts';

const H = 3_600_000;

describe('dedicated serving thread', () => {
  let server: TestServer;
  let serving: string;
  const workers: Worker[] = [];
  const onServing = (method: string, path: string, options: RequestOptions = {}) => requestJson(serving, method, path, options, TEST_ADMIN_TOKEN);
  /** Predicts on the serving port until `version` answers; the milliseconds that took. */
  const untilServed = async (version: string): Promise<number> => {
    const started = performance.now();
    for (;;) {
      const r = await onServing('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 2 } } });
      if (r.status === 200 && r.body.predictions[0].version === version) return performance.now() - started;
      assert.ok(performance.now() - started < 10_000, `version ${version} not served on the serving port: ${r.text}`);
    }
  };

  before(async () => {
    server = await startTestServer('sqlite', { MODELWATCH_SERVING_PORT: '0' }, { spawnServingWorker: (entry, options) => workers[workers.push(new Worker(entry, options)) - 1]! });
    assert.ok(server.servingUrl, 'the serving thread listens');
    serving = server.servingUrl;
    await createTestModel(server, 'ctr');
    await createTestModel(server, 'other');
    await registerLogistic(server, 'ctr', [0.02, -0.01], 0.1);
    await registerLogistic(server, 'ctr', [-0.03, 0.02]);
    await promote(server, 'ctr', 'v1');
  });
  after(() => server.close());

  test('healthz; predictions served there are counted on the main port (KPIs, /metrics)', async () => {
    assert.deepEqual((await onServing('GET', '/healthz')).body, { status: 'ok' });
    const promoted = await untilServed('v1');
    console.log(`promote v1 → first v1 on the serving port: ${promoted.toFixed(1)} ms (its session built there first)`);
    const before = await servedCount();
    const batch = await onServing('POST', '/api/v1/models/ctr/predict', { body: { instances: Array.from({ length: 20 }, (_, i) => ({ price: i, age: 1 })) } });
    assert.equal(batch.status, 200, batch.text);
    assert.equal(batch.body.predictions.length, 20);
    assert.equal((await servedCount()) - before, 20);
    const metrics = await server.request('GET', '/metrics');
    assert.match(metrics.text, /modelwatch_prediction_latency_seconds_count\{model="ctr",version="v1"\} \d+/);
    assert.match(metrics.text, /modelwatch_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/models\/\{model\}\/predict",status="200"\} \d+/);
  });

  test('a path the serving port does not serve is a 404 that says where the rest of the API is', async () => {
    const reply = await onServing('GET', '/api/v1/models');
    assert.equal(reply.status, 404);
    assert.match(reply.body.error.message, /^no route for GET \/api\/v1\/models on the serving port, which answers POST \/api\/v1\/models\/\{model\}\/predict and GET \/healthz; the rest of the API .* is on the main port$/);
    assert.match((await server.request('GET', '/api/v1/nothing')).body.error.message, /see \/api\/v1\/openapi\.json$/, 'the main port still points to the OpenAPI document');
  });

  test('401, 403, 400, 404 and 422 exactly as on the main port', async () => {
    const scoped = (await server.request('POST', '/api/v1/tokens', { body: { name: 'other-only', role: 'ingest', models: ['other'] } })).body.token as string;
    const viewer = (await server.request('POST', '/api/v1/tokens', { body: { name: 'viewer', role: 'viewer' } })).body.token as string;
    const cases: Array<[string, RequestOptions, number]> = [
      ['/api/v1/models/ctr/predict', { token: null, body: { features: { price: 1, age: 2 } } }, 401],
      ['/api/v1/models/ctr/predict', { token: 'mw_not_a_token', body: { features: { price: 1, age: 2 } } }, 401],
      ['/api/v1/models/ctr/predict', { token: scoped, body: { features: { price: 1, age: 2 } } }, 403],
      ['/api/v1/models/ctr/predict', { token: viewer, body: { features: { price: 1, age: 2 } } }, 403],
      ['/api/v1/models/ctr/predict', { body: { features: { price: 1 } } }, 400],
      ['/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 2 }, unitId: {} } }, 400],
      ['/api/v1/models/ctr/predict', { rawBody: '{"features":', headers: { 'content-type': 'application/json' } }, 400],
      ['/api/v1/models/ghost/predict', { body: { features: { price: 1 } } }, 404],
      ['/api/v1/models/other/predict', { body: { features: { price: 1, age: 2 } } }, 422],
    ];
    for (const [path, options, status] of cases) {
      const main = await server.request('POST', path, options);
      const thread = await onServing('POST', path, options);
      assert.equal(thread.status, status, `${path} ${JSON.stringify(options)} → ${thread.text}`);
      assert.equal(main.status, status);
      assert.deepEqual(thread.body, main.body);
    }
    const missing = await onServing('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1 } } });
    assert.match(missing.body.error.message, /body\.features\.age: missing/);
    // A token revoked on the main port is refused on the serving port at once.
    const id = (await server.request('GET', '/api/v1/tokens')).body.tokens.find((t: { name: string }) => t.name === 'other-only').id;
    await server.request('DELETE', `/api/v1/tokens/${id}`);
    const revoked = await onServing('POST', '/api/v1/models/other/predict', { token: scoped, body: { features: { price: 1, age: 2 } } });
    assert.equal(revoked.status, 401);
  });

  test('promote and rollback switch the serving port’s next request', async () => {
    await promote(server, 'ctr', 'v2');
    const promoted = await untilServed('v2');
    const rollback = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'test' } });
    assert.equal(rollback.status, 200, rollback.text);
    const rolledBack = await untilServed('v1');
    console.log(`promote v2 → first v2 on the serving port: ${promoted.toFixed(1)} ms; rollback reply → first v1: ${rolledBack.toFixed(1)} ms`);
    assert.ok(rolledBack < 1000, `rollback reached the serving port after ${rolledBack} ms`);
  });

  test('outcomes posted on the main port right after each serving-port prediction all join', async () => {
    const N = 500;
    const ids: string[] = [];
    const outcomes: Array<Promise<unknown>> = [];
    for (let i = 0; i < N; i++) {
      const r = await onServing('POST', '/api/v1/models/ctr/predict', { body: { unitId: `o${i}`, features: { price: i % 50, age: 3 } } });
      assert.equal(r.status, 200, r.text);
      const id = r.body.predictions[0].predictionId as string;
      ids.push(id);
      outcomes.push(server.request('POST', '/api/v1/models/ctr/outcomes', { body: { records: [{ id, impression: true, click: true }] } }));
    }
    const replies = (await Promise.all(outcomes)) as Array<{ status: number; body: { accepted: number; pending: number } }>;
    assert.ok(replies.every((r) => r.status === 200 && r.body.accepted + r.body.pending === 1));
    console.log(`outcomes parked (their prediction not yet logged): ${replies.filter((r) => r.body.pending).length} of ${N}`);
    for (let attempt = 0; ; attempt++) {
      const clicks = await clickCount();
      if (clicks === N) break;
      assert.ok(attempt < 50, `${clicks} of ${N} outcomes joined`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  test('a running experiment assigns each unit the same arm on both ports', async () => {
    const created = await server.request('POST', '/api/v1/experiments', {
      body: { model: 'ctr', arms: [{ name: 'control', version: 'v1', weight: 0.5 }, { name: 'treatment', version: 'v2', weight: 0.5 }], primaryMetric: 'ctr' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.experiment.id as string;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const arms = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const body = { body: { unitId: `e${i}`, features: { price: i, age: 30 } } };
      const [main, thread] = [await server.request('POST', '/api/v1/models/ctr/predict', body), await onServing('POST', '/api/v1/models/ctr/predict', body)];
      const pick = (r: { body: { predictions: Array<{ version: string; arm: string }> } }) => [r.body.predictions[0]!.arm, r.body.predictions[0]!.version];
      assert.deepEqual(pick(thread), pick(main), `unit e${i}`);
      arms.add(pick(thread)[0]!);
    }
    assert.deepEqual([...arms].sort(), ['control', 'treatment']);
    assert.equal((await server.request('POST', `/api/v1/experiments/${id}/stop`, { body: { decision: 'none', reason: 'test' } })).status, 200);
    // Stopped: the next request on the serving port is the champion's.
    const after = await onServing('POST', '/api/v1/models/ctr/predict', { body: { unitId: 'e0', features: { price: 0, age: 30 } } });
    assert.deepEqual([after.body.predictions[0].arm, after.body.predictions[0].version], ['champion', 'v1']);
  });

  test('a shadow scores the serving port’s champion requests on the main thread', async () => {
    const started = await server.request('POST', '/api/v1/models/ctr/shadow', { body: { version: 'v2', reason: 'test' } });
    assert.equal(started.status, 200, started.text);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const N = 40;
    for (let i = 0; i < N; i++) {
      const r = await onServing('POST', '/api/v1/models/ctr/predict', { body: { unitId: `s${i}`, features: { price: i, age: 30 } } });
      assert.deepEqual([r.status, r.body.predictions[0].version], [200, 'v1'], r.text);
    }
    await server.ctx.serving.flushPredictionLog();
    await server.ctx.monitor.flush();
    const status = await server.request('GET', '/api/v1/models/ctr/shadow');
    assert.equal(status.status, 200, status.text);
    assert.equal(status.body.comparison.pairs, N);
    assert.equal(status.body.comparison.shadow.errors, 0);
    assert.equal((await server.request('POST', '/api/v1/models/ctr/shadow/stop', { body: { reason: 'test' } })).status, 200);
  });

  test('the control plane (main thread) runs at MODELWATCH_CONTROL_PLANE_NICE (10), the serving thread at the process’s nice', () => {
    assert.deepEqual(threadNices(), { main: 10, serving: [0] });
  });

  test('a serving thread that dies is restarted on its port; the main port serves meanwhile', async () => {
    assert.equal(workers.length, 1);
    await workers[0]!.terminate();
    const main = await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 2 } } });
    assert.equal(main.status, 200, main.text);
    const started = performance.now();
    for (;;) {
      const r = await onServing('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 2 } } }).catch(() => undefined);
      if (r?.status === 200) {
        assert.equal(r.body.predictions[0].version, 'v1');
        break;
      }
      assert.ok(performance.now() - started < 10_000, 'the serving thread was not restarted');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`serving thread restarted and serving after ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(workers.length, 2);
    // Made by the reniced main thread, it inherited nice 10; it raises itself back where the process may (CAP_SYS_NICE).
    assert.deepEqual(threadNices(), { main: 10, serving: [mayRaisePriority() ? 0 : 10] });
  });

  const kpiSum = async (kpi: string, index: number): Promise<number> => {
    await server.ctx.serving.flushPredictionLog();
    await server.ctx.monitor.flush();
    const now = Date.now();
    const r = await server.request('GET', `/api/v1/models/ctr/kpis?from=${now - H}&to=${now + H}&step=2h&kpi=${kpi}`);
    assert.equal(r.status, 200, r.text);
    let sum = 0;
    for (const s of r.body.series as Array<{ counts?: number[][]; points: number[][] }>) {
      for (const row of s.counts ?? s.points) sum += row[index] ?? 0;
    }
    return sum;
  };
  const servedCount = () => kpiSum('requests', 1);
  /** Each thread's nice as Linux has it (/proc/self/task/<tid>/stat, field 19): the main thread and the threads named serving. */
  const threadNices = (): { main: number; serving: number[] } => {
    const threads = fs.readdirSync('/proc/self/task').map((tid) => ({
      name: fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
      nice: Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
    }));
    return { main: Number(fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ')[16]), serving: threads.filter((t) => t.name === 'serving').map((t) => t.nice) };
  };
  /** CAP_SYS_NICE (bit 23) in the effective capabilities: lowering a nice is allowed. */
  const mayRaisePriority = (): boolean => (BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 23n) % 2n === 1n;
  const clickCount = () => kpiSum('ctr', 0);
});
