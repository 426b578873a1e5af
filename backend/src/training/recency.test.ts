import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { createNormal, createRng } from '../core/random.ts';
import { rocAuc } from '../stats/classification.ts';
import { builtinSpec } from '../jobs/builtin-runner.ts';
import type { TrainingDataset } from './dataset.ts';
import { trainLogistic } from './logistic.ts';
import { effectiveRows, recencyWeights } from './recency.ts';
import { trainFileInWorker, trainModel } from './train.ts';

const DAY = 86_400_000;

describe('recencyWeights', () => {
  test('a weight halves with every half-life of age behind the newest row; the weights average 1', () => {
    const w = recencyWeights(Float64Array.from([10 * DAY, 9 * DAY, 8 * DAY, 10 * DAY]), DAY);
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) / w.length - 1) < 1e-12);
    assert.ok(Math.abs(w[1]! / w[0]! - 0.5) < 1e-12);
    assert.ok(Math.abs(w[2]! / w[0]! - 0.25) < 1e-12);
    assert.equal(w[3], w[0]);
    // Kish: 4 rows of weights 1, 0.5, 0.25, 1 (times a constant) → (2.75)² / 2.3125.
    assert.ok(Math.abs(effectiveRows(w) - 2.75 ** 2 / 2.3125) < 1e-9);
    assert.equal(effectiveRows(w, Uint32Array.from([0, 3])), 2);
  });

  test('a row far older than the half-life keeps a weight above 0', () => {
    const w = recencyWeights(Float64Array.from([0, 10_000 * DAY]), DAY);
    assert.ok(w[0]! > 0);
  });
});

/** Ten days in which the label's dependence on x flips on day 7: what recency weighting is for. */
function flipped(n: number, seed: number): TrainingDataset {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const x = new Float64Array(n);
  const times = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    times[i] = (i / n) * 10 * DAY;
    x[i] = normal();
    const slope = times[i]! < 7 * DAY ? 2 : -2;
    labels[i] = rng() < 1 / (1 + Math.exp(-slope * x[i]!)) ? 1 : 0;
  }
  return { featureNames: ['x'], columns: [x], labels, times };
}

/** AUC on fresh rows drawn as the last days' traffic. */
async function recentAuc(onnx: Uint8Array, seed: number): Promise<number> {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const n = 4000;
  const x = Float32Array.from({ length: n }, () => normal());
  const labels = Uint8Array.from(x, (v) => (rng() < 1 / (1 + Math.exp(2 * v)) ? 1 : 0));
  const session = await ort.InferenceSession.create(onnx);
  const out = await session.run({ features: new ort.Tensor('float32', x, [n, 1]) });
  return rocAuc(labels, Float64Array.from(out.probability!.data as Float32Array));
}

describe('recency-weighted training', () => {
  for (const algorithm of ['gbdt', 'logistic'] as const) {
    test(`${algorithm}: with a 1-day half-life the model follows the last days; unweighted it follows the first seven`, async () => {
      const params = algorithm === 'gbdt' ? { maxIterations: 30 } : {};
      const data = flipped(20_000, 3);
      const plain = trainModel(data, { algorithm, params });
      const weighted = trainModel(data, { algorithm, params, recencyHalfLifeMs: DAY });
      const [plainAuc, weightedAuc] = [await recentAuc(plain.onnx, 9), await recentAuc(weighted.onnx, 9)];
      assert.ok(plainAuc < 0.4, `unweighted AUC on recent traffic ${plainAuc}`);
      assert.ok(weightedAuc > 0.7, `weighted AUC on recent traffic ${weightedAuc}`);
      assert.equal(plain.metrics.effectiveTrainRows, undefined);
      const effective = weighted.metrics.effectiveTrainRows!;
      assert.ok(effective > 1000 && effective < weighted.metrics.trainRows / 2, `effective rows ${effective} of ${weighted.metrics.trainRows}`);
    });
  }

  test('logistic: integer weights fit the same model as repeated rows (an independent check of the weighted loss)', () => {
    const data = flipped(3000, 5);
    const weights = Float64Array.from(data.labels, (_, i) => 1 + (i % 3));
    const repeat: number[] = [];
    weights.forEach((w, i) => {
      for (let k = 0; k < w; k++) repeat.push(i);
    });
    const rows = Uint32Array.from(repeat);
    const repeated: TrainingDataset = { featureNames: ['x'], columns: [Float64Array.from(rows, (r) => data.columns[0]![r]!)], labels: Uint8Array.from(rows, (r) => data.labels[r]!) };
    // No penalty: it acts on standardised coefficients, and the two standardise differently
    // (unweighted rows vs repeated rows); the fits compare on the raw scale.
    const a = trainLogistic(data, { l2: 0 }, { weights }).model;
    const b = trainLogistic(repeated, { l2: 0 }, {}).model;
    assert.ok(Math.abs(a.intercept - b.intercept) < 1e-5, `${a.intercept} vs ${b.intercept}`);
    assert.ok(Math.abs(a.weights[0]! - b.weights[0]!) < 1e-5, `${a.weights[0]} vs ${b.weights[0]}`);
  });

  test('without a time column recency weighting is a 400 naming the field', () => {
    const { times: _times, ...untimed } = flipped(500, 1);
    assert.throws(() => trainModel(untimed, { algorithm: 'logistic', recencyHalfLifeMs: DAY }), /recencyHalfLife: the dataset has no time column/);
  });

  test('the built-in runner reads params.recencyHalfLife as a duration, and the CSV time column in the worker', async () => {
    assert.equal(builtinSpec({ recencyHalfLife: '3d' }).recencyHalfLifeMs, 3 * DAY);
    assert.equal(builtinSpec({ algorithm: 'logistic', recencyHalfLife: 3_600_000 }).recencyHalfLifeMs, 3_600_000);
    assert.equal(builtinSpec({}).recencyHalfLifeMs, undefined);
    for (const bad of ['soon', -1, 0, '3 weeks']) assert.throws(() => builtinSpec({ recencyHalfLife: bad }), /params\.recencyHalfLife: a duration > 0/);

    const dir = mkdtempSync(join(tmpdir(), 'mw-recency-'));
    try {
      const data = flipped(6000, 8);
      const lines = ['_ts,x,click'];
      for (let i = 0; i < 6000; i++) lines.push(`${Math.trunc(data.times![i]!)},${data.columns[0]![i]},${data.labels[i]}`);
      writeFileSync(join(dir, 'train.csv'), lines.join('\n') + '\n');
      const result = await trainFileInWorker({ path: join(dir, 'train.csv'), features: ['x'], time: '_ts' }, builtinSpec({ algorithm: 'logistic', recencyHalfLife: '1d' })).result;
      assert.ok((await recentAuc(result.onnx, 4)) > 0.7);
      writeFileSync(join(dir, 'bad.csv'), '_ts,x,click\nyesterday,1,0\n');
      await assert.rejects(trainFileInWorker({ path: join(dir, 'bad.csv'), features: ['x'], time: '_ts' }, { algorithm: 'logistic' }).result, /line 2, column _ts: "yesterday" is not a time/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
