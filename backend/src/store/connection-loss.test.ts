import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { freshPostgresDatabase } from '../testing/databases.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

// Issue 16: the pool had no 'error' listener, so `pg_terminate_backend` on idle connections
// (or a PostgreSQL restart) made every replica exit with "Unhandled 'error' event". Two
// services on one database: connections killed, then the database closed for a while.
describe('PostgreSQL connections lost under two replicas', { skip: !process.env.MODELWATCH_TEST_DATABASE_URL }, () => {
  let url: string;
  let name: string;
  let admin: pg.Client;
  const replicas: TestServer[] = [];
  let ids = 0;
  let acknowledged = 0;

  const kill = () => admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  const ingest = async (server: TestServer) => {
    const now = Date.now();
    const records = Array.from({ length: 10 }, () => ({ id: `p${++ids}`, ts: now - 60_000, version: 'v1', features: { x: 1 }, score: 0.5 }));
    const reply = await server.request('POST', '/api/v1/models/m/predictions', { body: { records } });
    if (reply.status === 200) acknowledged += reply.body.accepted;
    return reply.status;
  };
  const eventually = async (what: () => Promise<boolean>, label: string) => {
    const deadline = Date.now() + 15_000;
    while (!(await what())) {
      if (Date.now() > deadline) assert.fail(`${label}: not within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  before(async () => {
    url = await freshPostgresDatabase();
    name = new URL(url).pathname.slice(1);
    admin = new pg.Client({ connectionString: process.env.MODELWATCH_TEST_DATABASE_URL });
    await admin.connect();
    for (let i = 0; i < 2; i++) replicas.push(await startTestServer('sqlite', { MODELWATCH_DATABASE_URL: url }));
    const created = await replicas[0]!.request('POST', '/api/v1/models', { body: { name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    await admin.query(`alter database ${name} allow_connections true`).catch(() => undefined);
    for (const server of replicas) await server.close();
    await admin.end();
  });

  test('terminated connections: both replicas stay up and answer again', async () => {
    for (const server of replicas) assert.equal(await ingest(server), 200);
    await kill();
    for (const server of replicas) {
      // A request may meet a connection dying under it (503); none is a 500 and the next ones work.
      await eventually(async () => {
        const status = await ingest(server);
        assert.ok(status === 200 || status === 503, `status ${status}`);
        return status === 200;
      }, 'ingest after pg_terminate_backend');
    }
  });

  test('the database closed for a while: 503 meanwhile, then back, nothing acknowledged lost', async () => {
    await admin.query(`alter database ${name} allow_connections false`);
    await kill();
    for (const server of replicas) {
      await eventually(async () => (await server.request('GET', '/readyz', { token: null })).status === 503, '/readyz 503 during the outage');
      const status = await ingest(server);
      assert.equal(status, 503, 'ingest during the outage answers 503, not 500');
      const read = await server.request('GET', '/api/v1/models/m');
      assert.equal(read.status, 503, read.text);
      assert.equal(read.body.error.code, 'unavailable');
      // A flush meanwhile fails and keeps its counts for the next one.
      await assert.rejects(server.ctx.monitor.flush());
    }
    await admin.query(`alter database ${name} allow_connections true`);
    for (const server of replicas) {
      await eventually(async () => (await server.request('GET', '/readyz', { token: null })).status === 200, '/readyz 200 after the outage');
      assert.equal(await ingest(server), 200);
      await server.ctx.monitor.flush();
    }
    const kpis = await replicas[1]!.request('GET', `/api/v1/models/m/kpis?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`);
    assert.equal(kpis.status, 200, kpis.text);
    const direct = new pg.Client({ connectionString: url });
    await direct.connect();
    try {
      const sum = await direct.query(`select coalesce(sum(requests), 0)::int as n from rollups where model = 'm' and bucket_ms = 60000`);
      assert.equal(sum.rows[0].n, acknowledged, 'every acknowledged record is counted once');
    } finally {
      await direct.end();
    }
  });
});
