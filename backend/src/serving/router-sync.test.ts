import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startReplicas, type Replicas } from '../testing/replicas.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import type { TestServer } from '../testing/test-server.ts';

/** Two replicas on one PostgreSQL database (artifacts on a shared folder): a promotion on one reaches the other. */
describe('router sync across replicas (PostgreSQL)', { skip: !testDialects().includes('postgres') }, () => {
  let started: Replicas | undefined;
  before(async () => {
    started = await startReplicas(2, { MODELWATCH_ROUTER_SYNC_MS: '50' });
  });
  after(() => started?.close());

  test('promote and rollback on replica A; replica B serves the new champion within the sync interval', async () => {
    const [a, b] = started!.replicas as [TestServer, TestServer];
    await createTestModel(a, 'ctr');
    await registerLogistic(a, 'ctr', [1, 0]);
    await registerLogistic(a, 'ctr', [2, 0]);
    await promote(a, 'ctr', 'v1');
    const versionOn = async (server: TestServer) => (await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 1, age: 1 } } })).body.predictions?.[0]?.version;
    const eventually = async (server: TestServer, version: string) => {
      const until = Date.now() + 3000;
      while ((await versionOn(server)) !== version) {
        if (Date.now() > until) throw new Error(`replica never served ${version}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await eventually(b, 'v1');
    await promote(a, 'ctr', 'v2');
    assert.equal(await versionOn(a), 'v2');
    await eventually(b, 'v2');
    const rollback = await b.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'from replica B' } });
    assert.equal(rollback.status, 200, rollback.text);
    assert.equal(await versionOn(b), 'v1');
    await eventually(a, 'v1');
  });
});
