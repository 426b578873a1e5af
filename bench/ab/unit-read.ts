/**
 * Experiment results analysed by unit, as served, with many predictions carrying unitId: a
 * 10-arm experiment over 30 days, --predictions predictions of --units units (unit i in arm
 * i mod 10), half with an impression outcome, ingested day by day through ctx.monitor on
 * virtual time and flushed (so the rollups, unit buckets and exposures are what the
 * service writes). Times `ctx.experiments.results()` as served (closed hours cached, as
 * wired), the same with every read fresh, and the per-unit read alone
 * (ctx.monitor.unitTotals: unit buckets + exposures, monitor/query-units.ts).
 *
 *   node bench/ab/unit-read.ts [--predictions 1000000] [--units 100000] [--runs 20] [--postgres <url>]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '../../backend/src/core/random.ts';
import { inProcessService } from '../in-process-service.ts';
import { METRICS } from '../../backend/src/experiments/metric-catalog.ts';
import { ARMS, createTenArmExperiment, uncachedResults } from '../experiments/ten-arms.ts';

const { values: args } = parseArgs({
  options: {
    predictions: { type: 'string', default: '1000000' },
    units: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '20' },
    postgres: { type: 'string' },
  },
});
const P = Number(args.predictions);
const U = Number(args.units);
const RUNS = Number(args.runs);
const DAYS = 30;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const start = end - DAYS * DAY;
const now = { t: start };
const service = await inProcessService('units', { postgres: args.postgres, clock: { now: () => now.t } });
const ctx = service.ctx;
try {
  const experiment = await createTenArmExperiment(ctx, 'u', ['x']);
  const rng = createRng(1);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const perDay = Math.ceil(P / DAYS);
  for (let d = 0; d < DAYS; d++) {
    const dayStart = start + d * DAY;
    now.t = dayStart + DAY - 1;
    const n = Math.min(perDay, P - d * perDay);
    for (let i = 0; i < n; i += 5000) {
      const batch = Array.from({ length: Math.min(5000, n - i) }, (_, k) => {
        const unit = Math.floor(rng() * U);
        const arm = unit % ARMS;
        const j = d * perDay + i + k;
        return { id: `p${j}`, ts: dayStart + Math.floor(((i + k) / n) * (DAY - 1000)), version: `v${arm + 1}`, arm: `arm${arm}`, unitId: `user-${unit}`, features: { x: 1 }, score: rng(), latencyMs: 5 + rng() * 20, error: rng() < 0.002 };
      });
      await ctx.monitor.ingestPredictions('u', batch);
      const outcomes = batch.filter((_, k) => (i + k) % 2 === 0).map((p) => ({ id: p.id, impression: true, click: rng() < 0.05 }));
      await ctx.monitor.ingestOutcomes('u', outcomes);
    }
    await ctx.monitor.flush();
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const loadCpuSeconds = (cpu.user + cpu.system) / 1e6;
  now.t = end + 30 * 60_000;

  const time = async (fn: () => Promise<unknown>) => {
    const a = performance.now();
    await fn();
    return performance.now() - a;
  };
  const pairs = Object.values(METRICS).map((m) => m.ratio);
  const series = experiment.arms.map((a) => ({ version: a.version, arm: a.name }));
  const uncached = uncachedResults(ctx, { now: () => now.t });
  const first = await time(() => ctx.experiments.results(experiment.id));
  const served: number[] = [];
  const fresh: number[] = [];
  const unitRead: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    served.push(await time(() => ctx.experiments.results(experiment.id)));
    fresh.push(await time(() => uncached.byId(experiment.id)));
    unitRead.push(
      await time(async () => {
        const rows = await ctx.monitor.unitTotals('u', { from: start, to: now.t, pairs, series });
        if (rows.reduce((s, x) => s + x.sum.requests, 0) !== P) throw new Error('not every prediction was read');
      }),
    );
  }
  const r = await ctx.experiments.results(experiment.id);
  if (r.analysisUnit !== 'unit') throw new Error(`results analysed by ${r.analysisUnit}`);
  const units = r.arms.reduce((s, a) => s + (a.units ?? 0), 0);
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1);
  console.log(`### Experiment results by unit: ${ARMS} arms × ${r.metrics.length} metrics, ${DAYS} days, unit ids\n`);
  console.log(
    `${P.toLocaleString('en')} predictions of ${U.toLocaleString('en')} units (${units.toLocaleString('en')} counted by the results) over ${ARMS} arms and ${DAYS} days, half with an impression outcome, on ${ctx.store.dialect} (ingested and flushed through ctx.monitor in ${loadSeconds.toFixed(0)} s, ${loadCpuSeconds.toFixed(0)} CPU-seconds: ${Math.round((1.5 * P) / loadCpuSeconds).toLocaleString('en')} records per CPU-second); ${RUNS} runs each after one warm call, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}.\n`,
  );
  console.log('| read | p50 (ms) | p95 (ms) |\n|---|---:|---:|');
  console.log(`| \`results()\` as served (closed hours cached ≤ 60 s; target p95 < 50 ms) | ${q(served, 0.5)} | ${q(served, 0.95)} |`);
  console.log(`| — its first call (fills the cache) | ${first.toFixed(1)} | — |`);
  console.log(`| \`results()\`, every read fresh (closedTotalsTtlMs 0) | ${q(fresh, 0.5)} | ${q(fresh, 0.95)} |`);
  console.log(`| \`ctx.monitor.unitTotals()\` alone: bucket sums, squares and 10 cross products per arm, exact units by first period | ${q(unitRead, 0.5)} | ${q(unitRead, 0.95)} |`);
  console.log(`\nSRM on units: p = ${r.srm.pValue.toPrecision(3)} (${r.srm.counted}); recommendation \`${r.decision.recommendation}\`.`);
} finally {
  await service.close();
}
