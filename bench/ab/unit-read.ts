/**
 * Cost of the per-unit read behind results analysed by unit (monitor/query-units.ts): one
 * GROUP BY over the window's stored predictions. Ingests --predictions predictions of --units
 * units over 10 arms (through ctx.monitor, so the rows are what ingest writes), then times
 * ctx.monitor.unitTotals over the whole window.
 *
 *   node bench/ab/unit-read.ts [--predictions 1000000] [--units 100000] [--runs 10] [--postgres <url>]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { systemActor } from '../../backend/src/auth/roles.ts';
import { createRng } from '../../backend/src/core/random.ts';
import { inProcessService } from '../in-process-service.ts';
import { METRICS } from '../../backend/src/experiments/metric-catalog.ts';

const { values: args } = parseArgs({
  options: {
    predictions: { type: 'string', default: '1000000' },
    units: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '10' },
    postgres: { type: 'string' },
  },
});
const P = Number(args.predictions);
const U = Number(args.units);
const start = Date.now() - 3_600_000;
const service = await inProcessService('units', { postgres: args.postgres });
const ctx = service.ctx;
try {
  await ctx.models.create({ name: 'u', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } as never, systemActor);
  const rng = createRng(1);
  const t0 = performance.now();
  for (let i = 0; i < P; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, P - i) }, (_, k) => {
      const unit = Math.floor(rng() * U);
      return { id: `p${i + k}`, ts: start + Math.floor(((i + k) / P) * 3_500_000), version: `v${unit % 10}`, arm: `a${unit % 10}`, unitId: `user-${unit}`, features: { x: 1 }, score: rng(), latencyMs: 5 + rng() * 20 };
    });
    await ctx.monitor.ingestPredictions('u', batch);
  }
  const outcomes = Array.from({ length: Math.floor(P / 2) }, (_, k) => ({ id: `p${2 * k}`, impression: true, click: rng() < 0.05 }));
  for (let i = 0; i < outcomes.length; i += 5000) await ctx.monitor.ingestOutcomes('u', outcomes.slice(i, i + 5000));
  const loadSeconds = (performance.now() - t0) / 1000;
  const pairs = Object.values(METRICS).map((m) => m.ratio);
  const times: number[] = [];
  for (let r = 0; r < Number(args.runs) + 1; r++) {
    const a = performance.now();
    const rows = await ctx.monitor.unitTotals('u', { from: start, to: Date.now(), pairs });
    if (r > 0) times.push(performance.now() - a);
    if (rows.reduce((s, x) => s + x.sum.requests, 0) !== P) throw new Error('not every prediction was read');
  }
  times.sort((x, y) => x - y);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(0);
  console.log(`### Per-unit read (results by unit)\n`);
  console.log(`${P.toLocaleString('en')} predictions of ${U.toLocaleString('en')} units over 10 arms, half with an impression outcome, on ${ctx.store.dialect} (loaded through ctx.monitor in ${loadSeconds.toFixed(0)} s); ${times.length} reads after a warm-up, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}.\n`);
  console.log('| read | p50 (ms) | p95 (ms) |\n|---|---:|---:|');
  console.log(`| \`ctx.monitor.unitTotals()\`: sums, squares and 10 cross products per arm, units by first period | ${q(0.5)} | ${q(0.95)} |`);
} finally {
  await service.close();
}
