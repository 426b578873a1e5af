import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startReplicas, type Replicas } from '../testing/replicas.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const M = 60_000;
/** The figure is 200 rounds (4,000 outcomes); the suite runs 50 (MODELWATCH_TEST_PARKING_ROUNDS=200 for the full run). */
const ROUNDS = Number(process.env.MODELWATCH_TEST_PARKING_ROUNDS ?? 50);

/**
 * The reproduction: rounds of /predict (20 instances) on `serving`, each followed at
 * once by the outcomes of those predictions on `outcomes` (an impression each, a click for
 * every third). Returns what the ingest replies said and the clicks sent.
 */
async function predictThenOutcomes(serving: TestServer, outcomes: TestServer, model: string, rounds: number) {
  let accepted = 0;
  let pending = 0;
  let clicks = 0;
  const rejected: unknown[] = [];
  for (let round = 0; round < rounds; round++) {
    const instances = Array.from({ length: 20 }, (_, i) => ({ price: i, age: round % 7 }));
    const answer = await serving.request('POST', `/api/v1/models/${model}/predict`, { body: { instances } });
    assert.equal(answer.status, 200, answer.text);
    const records = answer.body.predictions.map((p: { predictionId: string }, i: number) => ({ id: p.predictionId, impression: true, click: (round * 20 + i) % 3 === 0 }));
    clicks += records.filter((r: { click: boolean }) => r.click).length;
    const reply = await outcomes.request('POST', `/api/v1/models/${model}/outcomes`, { body: { records } });
    assert.equal(reply.status, 200, reply.text);
    accepted += reply.body.accepted;
    pending += reply.body.pending;
    for (const r of reply.body.rejected) rejected.push(r);
  }
  return { accepted, pending, rejected, clicks };
}

/** Impressions and clicks in the model's KPIs over [from, to), all versions and arms. */
async function ctrCounts(server: TestServer, model: string, from: number, to: number): Promise<[number, number]> {
  const r = await server.request('GET', `/api/v1/models/${model}/kpis?from=${from}&to=${to}&step=1h&kpi=ctr&by=none`);
  assert.equal(r.status, 200, r.text);
  const counts: [number, number][] = r.body.series[0]?.counts ?? [];
  return counts.reduce(([c, n], [cc, nn]) => [c + cc, n + nn], [0, 0]);
}

const hourFloor = (t: number) => Math.floor(t / (60 * M)) * 60 * M;

for (const dialect of testDialects()) {
  describe(`parked outcomes on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
      await createTestModel(server, 'shop');
      await registerLogistic(server, 'shop', [0.1, -0.2]);
      await promote(server, 'shop', 'v1');
    });
    after(() => server?.close());

    test('an outcome before its prediction is pending, then joined in the prediction’s version, arm and minute', async () => {
      await createTestModel(server, 'early');
      const early = await server.request('POST', '/api/v1/models/early/outcomes', {
        body: { records: [{ id: 'e1', impression: true }, { id: 'e1', click: true }, { id: 'e2' }, { id: 'e3', label: 1 }] },
      });
      assert.equal(early.status, 200, early.text);
      assert.equal(early.body.accepted, 0);
      assert.deepEqual([early.body.pending, early.body.pendingIndexes], [3, [0, 1, 3]]);
      assert.deepEqual(early.body.rejected.map((r: { index: number }) => r.index), [2]);
      assert.match(early.body.rejected[0].error, /impression, click, conversion, label/);
      const status = await server.request('GET', '/api/v1/models/early/ingest');
      assert.equal(status.status, 200, status.text);
      assert.equal(status.body.parked, 3);
      assert.equal(status.body.expired, 0);
      assert.ok(Date.parse(status.body.oldestParkedAt) <= Date.now());

      const ts = hourFloor(Date.now()) - 90 * M; // an older hour, so only these predictions are in it
      const preds = await server.request('POST', '/api/v1/models/early/predictions', {
        body: { records: [{ id: 'e1', ts, version: 'v7', arm: 'b' }, { id: 'e3', ts, version: 'v7', arm: 'b' }] },
      });
      assert.deepEqual(preds.body, { accepted: 2, rejected: [], pending: 0, pendingIndexes: [], bucketed: 0, bucketedIndexes: [] });
      assert.deepEqual((await server.request('GET', '/api/v1/models/early/ingest')).body, { parked: 0, expired: 0, oldestParkedAt: null });
      await server.ctx.monitor.flush();
      const minute = Math.floor(ts / M) * M;
      const [t] = await server.ctx.monitor.totals('early', { from: minute, to: minute + M });
      assert.deepEqual([t?.version, t?.arm, t?.impressions, t?.clicks, t?.labelled, t?.positives], ['v7', 'b', 1, 1, 1, 1]);
      // Later outcomes keep their meaning: a retry of the click changes nothing.
      const retry = await server.request('POST', '/api/v1/models/early/outcomes', { body: { records: [{ id: 'e1', click: true }] } });
      assert.deepEqual([retry.body.accepted, retry.body.pending], [1, 0]);
      await server.ctx.monitor.flush();
      assert.deepEqual(await ctrCounts(server, 'early', minute, minute + M), [1, 1]);
    });

    test(`outcomes posted right after /predict: none lost (${ROUNDS} rounds × 20)`, async (t) => {
      const from = hourFloor(Date.now()) - 60 * M;
      const to = Date.now() + 60 * M;
      await server.ctx.serving.flushPredictionLog();
      const [clicksBefore, impressionsBefore] = await ctrCounts(server, 'shop', from, to);
      const sent = await predictThenOutcomes(server, server, 'shop', ROUNDS);
      t.diagnostic(`accepted ${sent.accepted}, pending ${sent.pending}, rejected ${sent.rejected.length}`);
      assert.deepEqual(sent.rejected, []);
      assert.equal(sent.accepted + sent.pending, ROUNDS * 20);
      await server.ctx.serving.flushPredictionLog();
      await server.ctx.monitor.flush();
      assert.deepEqual(await ctrCounts(server, 'shop', from, to), [clicksBefore + sent.clicks, impressionsBefore + ROUNDS * 20]);
      assert.equal((await server.request('GET', '/api/v1/models/shop/ingest')).body.parked, 0);
    });

    test('a parked outcome left beside its stored prediction (a crash between the two commits) is joined by the sweep', async () => {
      await createTestModel(server, 'crash');
      const ts = hourFloor(Date.now()) - 90 * M;
      await server.request('POST', '/api/v1/models/crash/predictions', { body: { records: [{ id: 'c1', ts, version: 'v1' }] } });
      const row = { model: 'crash', id: 'c1', ts: Date.now(), impression: 1, click: 1, conversion: null, label: null, received_at: Date.now() };
      await server.ctx.store.db.insertInto('outcome_parking').values(row).execute();
      assert.equal((await server.request('GET', '/api/v1/models/crash/ingest')).body.parked, 1);
      await server.ctx.monitor.recover();
      assert.equal((await server.request('GET', '/api/v1/models/crash/ingest')).body.parked, 0);
      const minute = Math.floor(ts / M) * M;
      assert.deepEqual(await ctrCounts(server, 'crash', minute, minute + M), [1, 1]);
    });

    test('bad input to the new fields’ routes is a 4xx naming the field', async () => {
      const missing = await server.request('GET', '/api/v1/models/nope/ingest');
      assert.equal(missing.status, 404);
      assert.match(missing.body.error.message, /model "nope" not found/);
      const unauthenticated = await server.request('GET', '/api/v1/models/shop/ingest', { token: null });
      assert.equal(unauthenticated.status, 401);
      const bad = await server.request('POST', '/api/v1/models/shop/outcomes', { body: { records: [{ id: '', click: true }, { id: 'x', click: -1 }] } });
      assert.equal(bad.status, 200);
      assert.deepEqual([bad.body.pending, bad.body.rejected.length], [0, 2]);
      assert.match(bad.body.rejected[0].error, /^id: /);
      assert.match(bad.body.rejected[1].error, /^click: /);
    });
  });

  describe(`parked outcomes expire on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_OUTCOME_PARKING_WINDOW: '300ms' });
      await createTestModel(server, 'late');
    });
    after(() => server?.close());

    test('after the window an outcome is expired and counted, and its prediction no longer joins it', async () => {
      const sent = await server.request('POST', '/api/v1/models/late/outcomes', { body: { records: [{ id: 'l1', impression: true, click: true }] } });
      assert.equal(sent.body.pending, 1);
      await new Promise((r) => setTimeout(r, 400));
      // Past the window: counted as expired at once, before the sweep deletes it.
      assert.deepEqual((await server.request('GET', '/api/v1/models/late/ingest')).body, { parked: 0, expired: 1, oldestParkedAt: null });
      await server.ctx.monitor.recover();
      assert.deepEqual((await server.request('GET', '/api/v1/models/late/ingest')).body, { parked: 0, expired: 1, oldestParkedAt: null });
      const ts = hourFloor(Date.now()) - 90 * M;
      await server.request('POST', '/api/v1/models/late/predictions', { body: { records: [{ id: 'l1', ts, version: 'v1' }] } });
      await server.ctx.monitor.flush();
      const minute = Math.floor(ts / M) * M;
      const [t] = await server.ctx.monitor.totals('late', { from: minute, to: minute + M });
      assert.deepEqual([t?.requests, t?.impressions, t?.clicks], [1, 0, 0]);
      // The other model’s counts: parked within the window, a gauge; expired, a counter.
      await server.request('POST', '/api/v1/models/late/outcomes', { body: { records: [{ id: 'l2', click: true }] } });
      const metrics = (await server.request('GET', '/metrics')).text;
      assert.match(metrics, /modelwatch_outcomes_expired_total\{model="late"\} 1\b/);
      assert.match(metrics, /modelwatch_outcomes_parked\{model="late"\} 1\b/);
    });
  });
}

/** Two replicas on one PostgreSQL database: predictions served by A, their outcomes sent to B at once. */
describe('parked outcomes across replicas (PostgreSQL)', { skip: !testDialects().includes('postgres') }, () => {
  let started: Replicas | undefined;
  before(async () => {
    started = await startReplicas(2);
  });
  after(() => started?.close());

  test(`${ROUNDS} rounds of /predict on A, outcomes on B right away: none lost`, async (t) => {
    const [a, b] = started!.replicas as [TestServer, TestServer];
    await createTestModel(a, 'shop');
    await registerLogistic(a, 'shop', [0.1, -0.2]);
    await promote(a, 'shop', 'v1');
    const from = hourFloor(Date.now()) - 60 * M;
    const to = Date.now() + 60 * M;
    // Five clients at once, so the two replicas' ingest transactions interleave.
    const lanes = await Promise.all(Array.from({ length: 5 }, () => predictThenOutcomes(a, b, 'shop', Math.ceil(ROUNDS / 5))));
    const sent = lanes.reduce((x, y) => ({ accepted: x.accepted + y.accepted, pending: x.pending + y.pending, rejected: x.rejected.concat(y.rejected), clicks: x.clicks + y.clicks }));
    t.diagnostic(`accepted ${sent.accepted}, pending ${sent.pending}, rejected ${sent.rejected.length}`);
    assert.deepEqual(sent.rejected, []);
    assert.equal(sent.accepted + sent.pending, Math.ceil(ROUNDS / 5) * 100);
    await a.ctx.serving.flushPredictionLog();
    await a.ctx.monitor.flush();
    await b.ctx.monitor.flush();
    assert.deepEqual(await ctrCounts(b, 'shop', from, to), [sent.clicks, Math.ceil(ROUNDS / 5) * 100]);
    assert.equal((await b.request('GET', '/api/v1/models/shop/ingest')).body.parked, 0);
  });
});
