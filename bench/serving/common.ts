/**
 * What the serving benchmarks share (run.ts, busy.ts): the seeded workload, `modelwatch
 * serve` as a child process, the admin API, the open-loop/closed-loop load generator
 * (loadgen.ts) as its own process, and formatting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../backend/src/local-stack/alerting-stack.ts';
import { logisticRegressionOnnx } from '../../backend/src/testing/onnx-fixtures.ts';

export const here = path.dirname(fileURLToPath(import.meta.url));
const backendDir = path.resolve(here, '../../backend');
export const TOKEN = 'mw_bench_admin_token_0123456789abcdef';

export const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

/** The model (two logistic-regression versions over `features` numeric features) and 256 request bodies, from a fixed seed. */
export function workload(features: number) {
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const names = Array.from({ length: features }, (_, i) => `f${i}`);
  const weightsA = names.map(() => rand() - 0.5);
  const weightsB = names.map(() => rand() - 0.5);
  const row = () => Object.fromEntries(names.map((n) => [n, Math.round((rand() - 0.5) * 2000) / 100]));
  const bodies = Array.from({ length: 256 }, (_, i) => JSON.stringify({ unitId: `u${i}`, features: row() }));
  const onnx = { v1: logisticRegressionOnnx({ weights: weightsA, bias: 0.1 }), v2: logisticRegressionOnnx({ weights: weightsB, bias: 0.1 }) };
  return { rand, names, weightsA, weightsB, row, bodies, onnx };
}
export type Workload = ReturnType<typeof workload>;

export const fmt = (ms: number): string => (Number.isFinite(ms) ? (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`) : '–');
export const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

export interface Service {
  child: ChildProcess;
  url: string;
  dataDir: string;
}

/** `modelwatch serve` on its own SQLite folder; `prefix`: e.g. taskset; `nodeOptions`: e.g. --cpu-prof. */
export async function startService(env: Record<string, string>, o: { prefix?: string[]; nodeOptions?: string[] } = {}): Promise<Service> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-serving-'));
  const port = await freePort();
  const command = [...(o.prefix ?? []), process.execPath, ...(o.nodeOptions ?? []), 'src/cli/main.ts', 'serve'];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: backendDir,
    env: { ...process.env, MODELWATCH_DATA_DIR: dir, MODELWATCH_PORT: String(port), MODELWATCH_ADMIN_TOKEN: TOKEN, MODELWATCH_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 400) throw new Error('service did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, dataDir: dir };
}

export const stopService = (s: Service): Promise<void> =>
  new Promise((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });

export async function api(url: string, method: string, route: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Model "bench" with versions v1 and v2 of the workload, v1 promoted. */
export async function setup(url: string, w: Workload): Promise<void> {
  await api(url, 'POST', '/api/v1/models', { name: 'bench', features: w.names.map((name) => ({ name, type: 'numeric' })) });
  for (const version of ['v1', 'v2'] as const) {
    await api(url, 'POST', '/api/v1/models/bench/versions', { version, artifact: w.onnx[version].toString('base64') });
  }
  await api(url, 'POST', '/api/v1/models/bench/actions/promote', { version: 'v1', reason: 'bench' });
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  throughputRps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late the generator ever sent against its schedule (ms). */
  lagMs: number;
  /** Measured requests still unanswered when the generator stopped waiting (counted in the latencies with their age). */
  unanswered: number;
}

/** One job of loadgen.ts in its own process (`prefix`: e.g. taskset). */
export function load(job: Record<string, unknown>, prefix: string[] = []): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const command = [...prefix, process.execPath, path.join(here, 'loadgen.ts'), JSON.stringify(job)];
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`loadgen exited ${code}`))));
  });
}
