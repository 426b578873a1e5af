import { openHarness, actor } from './testdata/monitor-harness.ts';
import { validatePredictions } from './ingest-records.ts';
const FEATURES = 20;
let seed = 7;
const rand = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 4294967296; };
const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
const row = () => Object.fromEntries(names.map((n, i) => [n, Math.round((rand() - 0.5) * (i + 1) * 1e6) / 1e4]));
const h = await openHarness('sqlite', {});
await h.models.create({ name: 'bench', task: 'binary_classification', features: names.map((name) => ({ name, type: 'numeric' as const })) }, actor);
await h.monitor.profileFromRows('bench', 'v1', Array.from({ length: 5000 }, row), { bins: 10 }, actor);
const now = Date.now();
const mk = (b: number) => JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => ({ id: `b${b}-${i}`, ts: now - 60000 + i * 60, version: 'v1', arm: 'A', features: row(), score: rand(), latencyMs: 10 })) });
const bodies = Array.from({ length: 60 }, (_, b) => mk(b));
let tParse = 0, tVal = 0, tIngest = 0;
const feats = names.map((name) => ({ name, type: 'numeric' as const }));
for (let b = 0; b < bodies.length; b++) {
  let t = performance.now();
  const body = JSON.parse(bodies[b]!);
  tParse += performance.now() - t;
  t = performance.now();
  validatePredictions(body.records, feats, Date.now());
  tVal += performance.now() - t;
  t = performance.now();
  await h.monitor.ingestPredictions('bench', body.records);
  tIngest += performance.now() - t;
}
const n = bodies.length * 1000;
console.log({ parseUsPerRec: (tParse / n) * 1000, validateUsPerRec: (tVal / n) * 1000, ingestUsPerRec: (tIngest / n) * 1000 });
await h.close();
