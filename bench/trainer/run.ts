/**
 * Benchmark of the built-in GBDT trainer against scikit-learn's HistGradientBoostingClassifier
 * on the same seeded synthetic CTR data (1M × 20 by default).
 *
 *   node bench/trainer/run.ts [--rows 1000000] [--test-rows 200000] [--iterations 100]
 *        [--early-stopping] [--seed 1] [--sklearn-threads 1,all] [--no-sklearn] [--repeat 1]
 *        [--json out.json]
 *
 * Times are fit times (binning included on both sides), same hyperparameters; AUC and log
 * loss on a separate test set. With --repeat N both trainers run N times, alternating, and
 * the minimum fit time is reported (all times are in the JSON): on a shared machine the
 * minimum is the figure least disturbed by other work. The Python interpreter is $MODELWATCH_PYTHON, else the first of
 * python3, /usr/bin/python3 that imports sklearn. Prints a JSON result and a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brierScore, logLoss, rocAuc } from '../../backend/src/stats/classification.ts';
import type { TrainingDataset } from '../../backend/src/training/dataset.ts';
import { trainGbdt } from '../../backend/src/training/gbdt/boosting.ts';
import { gbdtProbabilities } from '../../backend/src/training/gbdt/model.ts';
import { treeEnsembleOnnx } from '../../backend/src/training/onnx/tree-ensemble.ts';
import { SYNTHETIC_FEATURES, syntheticCtr } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'test-rows': { type: 'string', default: '200000' },
    iterations: { type: 'string', default: '100' },
    'early-stopping': { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    'sklearn-threads': { type: 'string', default: '1,all' },
    'no-sklearn': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});

const rows = Number(args.rows);
const repeat = Math.max(1, Number(args.repeat));
const testRows = Number(args['test-rows']);
const seed = Number(args.seed);
const params = {
  maxIterations: Number(args.iterations),
  learningRate: 0.1,
  maxLeaves: 31,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  earlyStopping: args['early-stopping'],
  validationFraction: 0.1,
  nIterNoChange: 10,
};

function writeData(dir: string, part: string, ds: TrainingDataset): void {
  const n = ds.labels.length;
  const x = new Float64Array(n * ds.columns.length);
  ds.columns.forEach((column, j) => x.set(column, j * n));
  writeFileSync(join(dir, `${part}_X.f64`), new Uint8Array(x.buffer));
  writeFileSync(join(dir, `${part}_y.u8`), ds.labels);
}

function findPython(): string | null {
  const candidates = [process.env.MODELWATCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((p) => spawnSync(p, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0) ?? null;
}

const t0 = performance.now();
const train = syntheticCtr(rows, seed);
const test = syntheticCtr(testRows, seed + 1000);
const generateSeconds = (performance.now() - t0) / 1000;
let positives = 0;
for (const y of train.labels) positives += y;

const python = args['no-sklearn'] ? null : findPython();
if (!args['no-sklearn'] && !python) console.error('no python with scikit-learn found (set MODELWATCH_PYTHON); skipping the peer');
const dir = mkdtempSync(join(tmpdir(), 'mw-bench-'));
if (python) {
  writeData(dir, 'train', train);
  writeData(dir, 'test', test);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ rows, testRows, features: SYNTHETIC_FEATURES, params }));
}
const threadSettings = args['sklearn-threads'].split(',').map((t) => t.trim()).filter(Boolean);

interface PeerResult {
  fitSeconds: number;
  predictSeconds: number;
  auc: number;
  logLoss: number;
  iterations: number;
  threads: string;
  sklearn: string;
}

function runPeer(threads: string): PeerResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (threads === 'all') delete env.OMP_NUM_THREADS;
  else env.OMP_NUM_THREADS = threads;
  const script = fileURLToPath(new URL('./sklearn_peer.py', import.meta.url));
  const r = spawnSync(python!, [script, dir], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`sklearn_peer.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PeerResult;
}

const fitTimes: number[] = [];
const peerRuns = new Map<string, PeerResult[]>(threadSettings.map((t) => [t, []]));
let fit!: ReturnType<typeof trainGbdt>;
try {
  for (let r = 0; r < repeat; r++) {
    const fitStart = performance.now();
    fit = trainGbdt(train, params);
    fitTimes.push((performance.now() - fitStart) / 1000);
    if (python) for (const t of threadSettings) peerRuns.get(t)!.push(runPeer(t));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const fitSeconds = Math.min(...fitTimes);
const predictStart = performance.now();
const p = gbdtProbabilities(fit.model, test.columns);
const predictSeconds = (performance.now() - predictStart) / 1000;
const onnxStart = performance.now();
const onnx = treeEnsembleOnnx(fit.model);
const onnxSeconds = (performance.now() - onnxStart) / 1000;

const modelwatch = {
  fitSeconds,
  fitSecondsAll: fitTimes,
  binningSeconds: fit.info.binningSeconds,
  boostingSeconds: fit.info.boostingSeconds,
  predictSeconds,
  auc: rocAuc(test.labels, p),
  logLoss: logLoss(test.labels, p),
  brier: brierScore(test.labels, p),
  iterations: fit.info.iterations,
  onnxBytes: onnx.length,
  onnxSeconds,
  threads: 1,
};

const sklearn = [...peerRuns.values()].filter((runs) => runs.length > 0).map((runs) => {
  const times = runs.map((x) => x.fitSeconds);
  return { ...runs[0]!, fitSeconds: Math.min(...times), fitSecondsAll: times };
});

const single = sklearn.find((s) => s.threads === '1') ?? sklearn[0];
const result = {
  data: { rows, testRows, features: SYNTHETIC_FEATURES, positiveRate: positives / rows, seed, generateSeconds },
  params,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, repeat },
  modelwatch,
  sklearn,
  comparison: single
    ? {
        timeRatio: fitSeconds / single.fitSeconds,
        aucDifference: modelwatch.auc - single.auc,
        against: `sklearn ${single.sklearn} with OMP_NUM_THREADS=${single.threads}`,
      }
    : null,
};

const f = (x: unknown, digits = 2): string => (typeof x === 'number' ? x.toFixed(digits) : String(x));
console.log(JSON.stringify(result, null, 2));
console.log();
console.log(`Training ${rows.toLocaleString('en')} × ${SYNTHETIC_FEATURES} (test ${testRows.toLocaleString('en')} rows), ` +
  `${params.maxIterations} iterations, ${params.maxLeaves} leaves, lr ${params.learningRate}, early stopping ${params.earlyStopping}`);
console.log();
console.log(`| trainer | threads | fit (s)${repeat > 1 ? `, min of ${repeat}` : ''} | iterations | test AUC | test log loss |`);
console.log('|---|---|---|---|---|---|');
console.log(`| ModelWatch GBDT (TypeScript) | 1 | ${f(fitSeconds)} | ${modelwatch.iterations} | ${f(modelwatch.auc, 4)} | ${f(modelwatch.logLoss, 4)} |`);
for (const s of sklearn) {
  console.log(`| scikit-learn ${s.sklearn} HistGradientBoosting | ${s.threads} | ${f(s.fitSeconds)} | ${s.iterations} | ${f(s.auc, 4)} | ${f(s.logLoss, 4)} |`);
}
if (result.comparison) {
  console.log();
  console.log(`time ratio (ModelWatch / ${result.comparison.against}): ${f(result.comparison.timeRatio)}; ` +
    `AUC difference: ${f(result.comparison.aucDifference, 4)}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));
