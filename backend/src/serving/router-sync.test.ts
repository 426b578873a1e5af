import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { startServer, type RunningServer } from '../compose/server.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { requestJson, TEST_ADMIN_TOKEN, type TestServer } from '../testing/test-server.ts';

/** Two replicas on one PostgreSQL database (artifacts on a shared folder): a promotion on one reaches the other. */
describe('router sync across replicas (PostgreSQL)', { skip: !testDialects().includes('postgres') }, () => {
  const replicas: RunningServer[] = [];
  let dataDir: string;
  const asTestServer = (r: RunningServer): TestServer =>
    ({ ...r, dataDir, adminToken: TEST_ADMIN_TOKEN, request: (m, p, o = {}) => requestJson(r.url, m, p, o, TEST_ADMIN_TOKEN) }) as TestServer;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-replicas-'));
    const databaseUrl = await freshPostgresDatabase();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({
        MODELWATCH_PORT: '0',
        MODELWATCH_DATA_DIR: dataDir,
        MODELWATCH_DATABASE_URL: databaseUrl,
        MODELWATCH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        MODELWATCH_LOG_LEVEL: 'silent',
        MODELWATCH_ROUTER_SYNC_MS: '50',
      });
      replicas.push(await startServer(config, createLogger('silent')));
    }
  });
  after(async () => {
    for (const r of replicas) await r.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('promote and rollback on replica A; replica B serves the new champion within the sync interval', async () => {
    const [a, b] = replicas.map(asTestServer) as [TestServer, TestServer];
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
