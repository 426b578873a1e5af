import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../store/database.ts';
import { testDialects } from '../testing/databases.ts';
import { openHarness, actor, type Harness } from '../testing/monitor-harness.ts';
import { createTestModel, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { OTHER, SeriesKeys } from './cardinality.ts';
import type { PredictionRecord } from './ingest-records.ts';

const M = 60_000;
const DAY = 86_400_000;

/** The model's distinct (version, arm) rollup keys, as `version/arm`, sorted. */
async function rollupKeys(store: Store, model: string): Promise<string[]> {
  const rows = await store.db.selectFrom('rollups').select(['version', 'arm']).distinct().where('model', '=', model).execute();
  return rows.map((r) => `${r.version}/${r.arm}`).sort();
}

function record(index: number, version: string, arm = 'default'): PredictionRecord {
  return { index, id: `r${index}`, ts: 0, version, arm, features: {}, score: null, latencyMs: null, error: null, unitId: null };
}

for (const dialect of testDialects()) {
  // Issue 16, item 5: 200k distinct versions from an ingest token made 515k series on /metrics
  // and a viewer's kpis?by=version exhausted the heap. The same attack at 1/10 scale.
  describe(`bounded cardinality through HTTP on ${dialect}`, () => {
    let server: TestServer;
    let ingest: string;
    let viewer: string;
    let v1: string;
    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_MAX_UNREGISTERED_KEYS: '50', MODELWATCH_INGEST_MAX_AGE: '2d' });
      await createTestModel(server, 'attacked');
      v1 = await registerLogistic(server, 'attacked', [0.1, 0.2]);
      ingest = (await server.request('POST', '/api/v1/tokens', { body: { name: 'producer', role: 'ingest' } })).body.token;
      viewer = (await server.request('POST', '/api/v1/tokens', { body: { name: 'viewer', role: 'viewer' } })).body.token;
    });
    after(() => server?.close());

    test('20k distinct versions from an ingest token: rollup keys, /metrics series and kpis?by=version stay bounded', async () => {
      const now = Date.now();
      const post = async (records: unknown[]) => {
        const reply = await server.request('POST', '/api/v1/models/attacked/predictions', { token: ingest, body: { records } });
        assert.equal(reply.status, 200, reply.text);
        return reply.body as { accepted: number; rejected: unknown[]; bucketed: number; bucketedIndexes: number[] };
      };
      const legit = await post(Array.from({ length: 10 }, (_, i) => ({ id: `ok${i}`, ts: now - M, version: v1, score: 0.5 })));
      assert.deepEqual([legit.accepted, legit.bucketed], [10, 0]);
      // Half the junk also names an arm of its own.
      const junk = (batch: number) =>
        Array.from({ length: 10_000 }, (_, i) => ({ id: `j${batch}-${i}`, ts: now - M, version: `junk-${batch}-${i}`, ...(i % 2 ? { arm: `arm-${i}` } : {}), score: 0.5 }));
      const first = await post(junk(0));
      assert.equal(first.accepted, 10_000);
      assert.equal(first.bucketed, 10_000 - 50, 'the first 50 unregistered keys are kept as sent, the rest go to the bucket');
      assert.deepEqual(first.bucketedIndexes.slice(0, 2), [50, 51]);
      const second = await post(junk(1));
      assert.deepEqual([second.accepted, second.bucketed], [10_000, 10_000]);
      // The cap being full does not touch registered versions; an unknown arm of one goes to the bucket arm.
      const registered = await post([
        { id: 'ok-late', ts: now - M, version: v1, score: 0.5 },
        { id: 'rogue-arm', ts: now - M, version: v1, arm: 'rogue', score: 0.5 },
      ]);
      assert.deepEqual([registered.accepted, registered.bucketed, registered.bucketedIndexes], [2, 1, [1]]);
      await server.ctx.monitor.flush();

      const keys = await rollupKeys(server.ctx.store, 'attacked');
      // v1/default, the 50 kept, and the buckets: junk/default, junk/own arm, v1/rogue.
      assert.equal(keys.length, 1 + 50 + 3, keys.join(', '));
      for (const k of [`${v1}/default`, `${OTHER}/default`, `${OTHER}/${OTHER}`, `${v1}/${OTHER}`]) assert.ok(keys.includes(k), k);
      const stored = await server.ctx.store.db.selectFrom('rollups').select((eb) => eb.fn.sum<number>('requests').as('n')).where('model', '=', 'attacked').where('bucket_ms', '=', M).executeTakeFirstOrThrow();
      assert.equal(Number(stored.n), 20_012, 'every accepted record is counted, under its key or the bucket');
      // The raw rows carry the bucket too, so outcomes, replays and exports agree with the rollups.
      const raw = await server.ctx.store.db.selectFrom('predictions').select((eb) => eb.fn.countAll<number>().as('n')).where('model', '=', 'attacked').where('version', '=', OTHER).executeTakeFirstOrThrow();
      assert.equal(Number(raw.n), 19_950);

      const metrics = await server.request('GET', '/metrics', { token: null });
      assert.equal(metrics.status, 200);
      const series = metrics.text.split('\n').filter((l) => l.includes('model="attacked"'));
      // 54 keys × (4 KPIs + 3 latency quantiles) + 52 versions' prediction counters + a few (before: ~5 per version).
      assert.ok(series.length <= 54 * 7 + 52 + 20, `${series.length} series for the model`);
      assert.match(metrics.text, /modelwatch_ingest_unregistered_total\{model="attacked",counted_as="other"\} 19951\n/);
      assert.match(metrics.text, /modelwatch_ingest_unregistered_total\{model="attacked",counted_as="sent"\} 50\n/);

      const byVersion = await server.request('GET', `/api/v1/models/attacked/kpis?from=${now - 10 * M}&to=${now + M}&by=version&kpi=requests`, { token: viewer });
      assert.equal(byVersion.status, 200, byVersion.text);
      const versions = new Set((byVersion.body.series as { version: string }[]).map((s) => s.version));
      assert.equal(versions.size, 1 + 50 + 1, 'v1, the 50 kept and the bucket');
      assert.ok(versions.has(OTHER) && versions.has(v1));
    });

    test('the arms of an experiment started after the cap filled keep their key, each with its own version', async () => {
      const v2 = await registerLogistic(server, 'attacked', [0.2, 0.1]);
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'attacked', arms: [{ name: 'control', version: v1, weight: 50 }, { name: 'treatment', version: v2, weight: 50 }], primaryMetric: 'ctr' },
      });
      assert.equal(created.status, 201, created.text);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the once-a-second re-read of the registry and experiments
      const reply = await server.request('POST', '/api/v1/models/attacked/predictions', {
        token: ingest,
        body: {
          records: [
            { id: 'exp-1', version: v2, arm: 'treatment' },
            { id: 'exp-2', version: v1, arm: 'control' },
            { id: 'exp-3', version: 'junk-late', arm: 'treatment' },
            { id: 'exp-4', version: v1, arm: 'treatment' },
          ],
        },
      });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual([reply.body.accepted, reply.body.bucketedIndexes], [4, [2, 3]]);
      await server.ctx.monitor.flush();
      const keys = await rollupKeys(server.ctx.store, 'attacked');
      for (const k of [`${v2}/treatment`, `${v1}/control`]) assert.ok(keys.includes(k), k);
      assert.ok(!keys.includes(`${OTHER}/treatment`) && !keys.includes(`${v1}/treatment`), 'an arm name is kept only with its own version');
    });

    test('a prediction older than the ingest window is rejected naming ts and the window; late outcomes still join', async () => {
      const now = Date.now();
      const reply = await server.request('POST', '/api/v1/models/attacked/predictions', {
        token: ingest,
        body: { records: [{ id: 'old', ts: now - 3 * DAY, version: v1 }, { id: 'recent', ts: now - DAY, version: v1 }] },
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.accepted, 1);
      assert.equal(reply.body.rejected.length, 1);
      assert.equal(reply.body.rejected[0].index, 0);
      assert.match(reply.body.rejected[0].error, /^ts: \d+ is more than 2 days old \(the ingest window, MODELWATCH_INGEST_MAX_AGE\); send records from \d{4}-\d\d-\d\dT.*Z on$/);
      const outcome = await server.request('POST', '/api/v1/models/attacked/outcomes', { token: ingest, body: { records: [{ id: 'recent', ts: now - 3 * DAY, click: true }] } });
      assert.deepEqual([outcome.status, outcome.body.accepted, outcome.body.bucketed], [200, 1, 0]);
    });
  });

  describe(`series keys on ${dialect}`, () => {
    const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
    let h: Harness;
    before(async () => {
      h = await openHarness(dialect, { now: () => NOW, maxUnregisteredKeys: 2 });
      await h.models.create({ name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
    });
    after(() => h?.close());

    test('registered versions with built-in arms and experiment arms are kept, others up to the cap, then the bucket; a version registered later is seen within a second', async () => {
      const versions = new Set(['v1']);
      let wall = 1_000_000;
      const keys = new SeriesKeys(h.store, { versions: async () => versions, arms: async () => [{ name: 'exp-a', version: 'v1' }] }, { maxUnregisteredKeys: 2, windowMs: DAY }, () => wall);
      const batch = [
        record(0, 'v1'),
        record(1, 'v1', 'exp-a'),
        record(2, 'x'),
        record(3, 'y', 'champion'),
        record(4, 'z'),
        record(5, 'v1', 'rogue'),
        record(6, 'z', 'exp-a'),
        record(7, 'x'),
        record(8, 'v1', 'canary'),
      ];
      const decision = await keys.assign('m', batch, NOW);
      assert.deepEqual(decision, { kept: [2, 3, 7], bucketed: [4, 5, 6] });
      // An experiment's arm name is kept only with its own version: pairs, not a product.
      assert.deepEqual(
        batch.map((r) => `${r.version}/${r.arm}`),
        ['v1/default', 'v1/exp-a', 'x/default', 'y/champion', `${OTHER}/default`, `v1/${OTHER}`, `${OTHER}/${OTHER}`, 'x/default', 'v1/canary'],
      );
      versions.add('z');
      assert.deepEqual((await keys.assign('m', [record(0, 'z')], NOW)).bucketed, [0], 'within the second: not re-read yet');
      wall += 1000;
      assert.deepEqual(await keys.assign('m', [record(0, 'z')], NOW), { kept: [], bucketed: [] });
    });

    test('a restarted monitor reads the kept keys from the store: the cap is not reopened, replayed batches keep the bucket', async () => {
      const pred = (id: string, version: string) => ({ id, ts: NOW - M, version, score: 0.5 });
      const first = await h.monitor.ingestPredictions('m', [pred('a', 'va'), pred('b', 'vb'), pred('c', 'vc')]);
      assert.deepEqual([first.accepted, first.bucketedIndexes], [3, [2]]);
      await h.monitor.flush();
      const crashed = await h.reopen();
      const second = await crashed.ingestPredictions('m', [pred('d', 'vd'), pred('a2', 'va')]);
      assert.deepEqual(second.bucketedIndexes, [0], 'vd: the store already holds 2 unregistered keys; va is one of them');
      crashed.abandon();
      const next = await h.reopen();
      await next.flush();
      assert.deepEqual(await rollupKeys(h.store, 'm'), [`${OTHER}/default`, 'va/default', 'vb/default']);
      const n = await sql<{ n: number }>`select sum(requests) as n from rollups where model = 'm' and bucket_ms = ${M}`.execute(h.store.db);
      assert.equal(Number(n.rows[0]?.n), 5);
    });
  });
}
