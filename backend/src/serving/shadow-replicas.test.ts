import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startReplicas, type Replicas } from '../testing/replicas.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two replicas on one PostgreSQL: a shadow started through one scores the champion's requests
 * served by the other once its alias sync has read the stored shadow, and a stop reaches it too.
 */
describe('a shadow across replicas', { skip: !testDialects().includes('postgres') && 'PostgreSQL only (scripts/with-postgres.ts)' }, () => {
  let cluster: Replicas;
  before(async () => {
    cluster = await startReplicas(2, { MODELWATCH_ROUTER_SYNC_MS: '100' });
    const [a] = cluster.replicas;
    await createTestModel(a!, 'ctr');
    await registerLogistic(a!, 'ctr', [0.02, -0.01], 0.1);
    await registerLogistic(a!, 'ctr', [0.025, -0.01], 0.2);
    await promote(a!, 'ctr', 'v1');
  });
  after(() => cluster?.close());

  test('two replicas starting shadows at the same moment leave one running shadow', async () => {
    const [a, b] = cluster.replicas as [(typeof cluster.replicas)[0], (typeof cluster.replicas)[0]];
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all([a, b].map((r) => r.request('POST', '/api/v1/models/ctr/shadow', { body: { version: 'v2', reason: `race ${round}` } })));
      const statuses = replies.map((r) => r.status).sort();
      assert.ok(statuses.every((s) => s === 200 || s === 409), `statuses ${statuses.join(', ')}: ${replies.map((r) => r.text).join(' | ')}`);
      const running = await a.ctx.store.db.selectFrom('shadows').select('id').where('model', '=', 'ctr').where('stopped_at', 'is', null).execute();
      assert.equal(running.length, 1, `round ${round}: one running shadow`);
      assert.equal((await a.request('POST', '/api/v1/models/ctr/shadow/stop', { body: {} })).status, 200);
    }
  });

  test('started on one replica, scored on the other; stopped there too', async () => {
    const [a, b] = cluster.replicas as [(typeof cluster.replicas)[0], (typeof cluster.replicas)[0]];
    assert.equal((await a.request('POST', '/api/v1/models/ctr/shadow', { body: { version: 'v2' } })).status, 200);
    const deadline = Date.now() + 10_000;
    while (b.ctx.router.shadow('ctr')?.version !== 'v2') {
      assert.ok(Date.now() < deadline, 'replica b never followed the shadow');
      await sleep(50);
    }
    for (let i = 0; i < 10; i++) {
      const r = await b.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: i, age: 30 } } });
      assert.equal(r.body.predictions[0].version, 'v1');
    }
    await b.ctx.serving.flushPredictionLog();
    await b.ctx.monitor.flush();
    const c = (await a.request('GET', '/api/v1/models/ctr/shadow')).body.comparison;
    assert.equal(c.pairs, 10, 'pairs written by b, read through a');
    assert.equal(c.shadow.requests, 10);
    assert.equal((await a.request('POST', '/api/v1/models/ctr/shadow/stop', { body: {} })).status, 200);
    while (b.ctx.router.shadow('ctr') !== undefined) {
      assert.ok(Date.now() < deadline + 10_000, 'replica b kept the stopped shadow');
      await sleep(50);
    }
  });
});
