/**
 * Accepted records survive `kill -9`: the real CLI (`node backend/src/cli/main.ts serve`) in
 * a child process with a temporary data dir (or PostgreSQL database) ingests, is killed
 * with SIGKILL before its first rollup flush, restarts, and every accepted record counts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { freshPostgresDatabase, testDialects } from '../../testing/databases.ts';
import { startServiceProcess, type ServiceProcess } from '../../testing/service-process.ts';

for (const dialect of testDialects()) {
  describe(`kill -9 of the service on ${dialect}`, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-crash-'));
    const children: ServiceProcess[] = [];
    const serve = async (env: Record<string, string>) => {
      const service = await startServiceProcess(env);
      children.push(service);
      return service;
    };
    after(async () => {
      for (const c of children) await c.stop('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('every accepted record counts after a restart', { timeout: 120_000 }, async () => {
      const env: Record<string, string> = { MODELWATCH_DATA_DIR: dataDir };
      if (dialect === 'postgres') env.MODELWATCH_DATABASE_URL = await freshPostgresDatabase();
      const first = await serve(env);
      const call = (s: ServiceProcess, method: string, url: string, body?: unknown) => s.request(method, url, body === undefined ? {} : { body });

      const created = await call(first, 'POST', '/api/v1/models', { name: 'crash', features: [{ name: 'x', type: 'numeric' }] });
      assert.equal(created.status, 201, created.text);
      const now = Date.now();
      let accepted = 0;
      for (let b = 0; b < 3; b++) {
        const records = Array.from({ length: 1000 }, (_, i) => ({
          id: `b${b}-${i}`,
          ts: now - 5 * 60_000 + i * 100,
          version: 'v1',
          features: { x: i },
          score: 0.5,
          latencyMs: 10,
          // one invalid record per batch: rejected, never counted
          ...(i === 999 ? { features: { x: 'oops' } } : {}),
        }));
        const r = await call(first, 'POST', '/api/v1/models/crash/predictions', { records });
        assert.equal(r.status, 200, r.text);
        accepted += r.body.accepted;
      }
      assert.equal(accepted, 2997);
      const outcomes = Array.from({ length: 400 }, (_, i) => ({ id: `b1-${i}`, impression: true, click: i % 4 === 0 }));
      const o = await call(first, 'POST', '/api/v1/models/crash/outcomes', { records: outcomes });
      assert.equal(o.body.accepted, 400);

      await first.stop('SIGKILL');

      const second = await serve(env);
      const replayed = second.logs.map((l) => JSON.parse(l) as { msg?: string; records?: number }).find((e) => e.msg?.startsWith('monitor: replayed'));
      assert.ok(replayed, `the restart replays the unflushed batches:\n${second.logs.join('\n')}`);
      assert.equal(replayed.records, 2997 + 400);

      const kpis = await call(second, 'GET', `/api/v1/models/crash/kpis?from=${now - 3_600_000}&to=${now + 60_000}&step=1h&by=none&kpi=requests,ctr`);
      assert.equal(kpis.status, 200, kpis.text);
      const requests = kpis.body.series.find((s: { kpi: string }) => s.kpi === 'requests');
      assert.equal(requests.points.reduce((s: number, p: [number, number | null]) => s + (p[1] ?? 0), 0), 2997);
      const ctr = kpis.body.series.find((s: { kpi: string }) => s.kpi === 'ctr');
      const [clicks, impressions] = ctr.counts.reduce((s: number[], c: number[]) => [s[0]! + c[0]!, s[1]! + c[1]!], [0, 0]);
      assert.deepEqual([clicks, impressions], [100, 400]);

      // A graceful stop flushes; a third start has nothing to replay and the same counts.
      await second.stop('SIGTERM');
      const third = await serve(env);
      assert.ok(!third.logs.some((l) => l.includes('monitor: replayed')));
      const again = await call(third, 'GET', `/api/v1/models/crash/kpis?from=${now - 3_600_000}&to=${now + 60_000}&step=1h&by=none&kpi=requests`);
      assert.equal(again.body.series[0].points.reduce((s: number, p: [number, number | null]) => s + (p[1] ?? 0), 0), 2997);
      await third.stop('SIGTERM');
    });

    test('outcomes parked before kill -9 are still parked after the restart and join their predictions', { timeout: 120_000 }, async () => {
      const env: Record<string, string> = { MODELWATCH_DATA_DIR: fs.mkdtempSync(path.join(dataDir, 'parked-')) };
      if (dialect === 'postgres') env.MODELWATCH_DATABASE_URL = await freshPostgresDatabase();
      const first = await serve(env);
      const call = (s: ServiceProcess, method: string, url: string, body?: unknown) => s.request(method, url, body === undefined ? {} : { body });
      assert.equal((await call(first, 'POST', '/api/v1/models', { name: 'parked', features: [{ name: 'x', type: 'numeric' }] })).status, 201);
      const outcomes = Array.from({ length: 20 }, (_, i) => ({ id: `k${i}`, impression: true, click: i % 2 === 0 }));
      const o = await call(first, 'POST', '/api/v1/models/parked/outcomes', { records: outcomes });
      assert.deepEqual([o.body.accepted, o.body.pending], [0, 20]);
      await first.stop('SIGKILL');

      const second = await serve(env);
      assert.equal((await call(second, 'GET', '/api/v1/models/parked/ingest')).body.parked, 20);
      const now = Date.now();
      const p = await call(second, 'POST', '/api/v1/models/parked/predictions', { records: outcomes.map((x) => ({ id: x.id, ts: now - 60_000, version: 'v1' })) });
      assert.equal(p.body.accepted, 20);
      assert.equal((await call(second, 'GET', '/api/v1/models/parked/ingest')).body.parked, 0);
      const kpis = await call(second, 'GET', `/api/v1/models/parked/kpis?from=${now - 3_600_000}&to=${now + 60_000}&step=1h&by=none&kpi=ctr`);
      const [clicks, impressions] = kpis.body.series[0].counts.reduce((s: number[], c: number[]) => [s[0]! + c[0]!, s[1]! + c[1]!], [0, 0]);
      assert.deepEqual([clicks, impressions], [10, 20]);
      await second.stop('SIGTERM');
    });
  });
}
