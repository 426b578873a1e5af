/**
 * Issue 16: a PostgreSQL restart must not take the service down. Two replicas (the real CLI,
 * each its own process) ingest on a private cluster (testing/private-postgres.ts) that is
 * stopped as by a crash and started again: meanwhile every request is a 503, both processes
 * stay up, they serve again afterwards, and every acknowledged record is stored and counted once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { postgresBin, startPrivateCluster, type PrivateCluster } from '../testing/private-postgres.ts';
import { startServiceProcess, type ServiceProcess } from '../testing/service-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs where the other PostgreSQL tests run (scripts/with-postgres.ts), with a cluster of its own.
describe('a PostgreSQL restart under two ingesting replicas', { skip: !process.env.MODELWATCH_TEST_DATABASE_URL || !postgresBin() }, () => {
  let cluster: PrivateCluster;
  let dataDir: string;
  const replicas: ServiceProcess[] = [];

  before(async () => {
    cluster = (await startPrivateCluster())!;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-pg-restart-'));
    for (let i = 0; i < 2; i++) replicas.push(await startServiceProcess({ MODELWATCH_DATA_DIR: dataDir, MODELWATCH_DATABASE_URL: cluster.url }));
    const created = await replicas[0]!.request('POST', '/api/v1/models', { body: { name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } });
    assert.equal(created.status, 201, created.text);
  });
  after(async () => {
    for (const replica of replicas) await replica.stop('SIGKILL');
    await cluster?.destroy();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('503 during the outage, both processes up, serving again after it, nothing acknowledged lost', { timeout: 60_000 }, async (t) => {
    const acknowledged = new Set<string>();
    const statuses = new Map<string, number>();
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    let ids = 0;
    let phase: 'before' | 'outage' | 'after' = 'before';
    let running = true;
    const okAfter = [0, 0];
    const loop = async (replica: ServiceProcess, index: number) => {
      while (running) {
        const records = Array.from({ length: 20 }, () => ({ id: `r${++ids}`, ts: Date.now() - 60_000, version: 'v1', features: { x: ids % 7 }, score: 0.5 }));
        try {
          const reply = await replica.request('POST', '/api/v1/models/m/predictions', { body: { records } });
          count(`${phase} ${reply.status}`);
          if (reply.status === 200) {
            assert.equal(reply.body.accepted, records.length, reply.text);
            for (const r of records) acknowledged.add(r.id);
            if (phase === 'after') okAfter[index]!++;
          } else assert.equal(reply.body.error.code, 'unavailable', reply.text);
        } catch (error) {
          count(`${phase} ${(error as Error).message}`);
        }
        await sleep(10);
      }
    };
    const loops = replicas.map(loop);
    await sleep(1000);

    phase = 'outage';
    await cluster.stop('immediate');
    for (const replica of replicas) {
      for (let i = 0; (await replica.request('GET', '/readyz', { token: null })).status !== 503; i++) {
        assert.ok(i < 100, '/readyz reports the outage');
        await sleep(50);
      }
    }
    await sleep(1000);
    await cluster.start();

    phase = 'after';
    for (let i = 0; okAfter.some((n) => n < 3); i++) {
      assert.ok(i < 300, `both replicas ingest again after the restart (${okAfter.join(', ')} successes)`);
      await sleep(50);
    }
    running = false;
    await Promise.all(loops);

    t.diagnostic(`replies by phase: ${JSON.stringify(Object.fromEntries(statuses))}; ${acknowledged.size} records acknowledged`);
    const seen = [...statuses.keys()];
    assert.ok(statuses.get('outage 503'), `requests during the outage are 503s: ${JSON.stringify([...statuses])}`);
    assert.deepEqual(seen.filter((key) => !/ (200|503)$/.test(key)), [], `only 200 and 503 (no 500, no dropped connection): ${JSON.stringify([...statuses])}`);
    for (const replica of replicas) assert.ok(!replica.exited(), 'the process stays up');

    // A graceful stop flushes; then the database holds every acknowledged record, counted once.
    for (const replica of replicas) await replica.stop('SIGTERM');
    for (const replica of replicas) assert.equal(replica.child.exitCode, 0, replica.logs.slice(-20).join('\n'));
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const stored = new Set((await client.query<{ id: string }>(`select id from predictions where model = 'm'`)).rows.map((r) => r.id));
      const missing = [...acknowledged].filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.size} acknowledged records lost`);
      const rollups = await client.query<{ n: string }>(`select coalesce(sum(requests), 0) as n from rollups where model = 'm' and bucket_ms = 60000`);
      assert.equal(Number(rollups.rows[0]!.n), stored.size, 'the rollups count every stored record once');
      const pending = await client.query<{ n: string }>(`select count(*) as n from monitor_pending`);
      assert.equal(Number(pending.rows[0]!.n), 0, 'nothing is left unflushed');
    } finally {
      await client.end();
    }
  });
});
