/**
 * The ONNX models the trainers emit load in onnxruntime-node, follow the artifact contract
 * (one float32 input "features" [batch, n], output "probability" [batch, 1], IR ≤ 13,
 * opset ≤ 26) and give the trainers' own predictions to 1e-6, missing values included.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { TrainingDataset } from '../dataset.ts';
import { trainGbdt } from '../gbdt/boosting.ts';
import { gbdtProbabilities } from '../gbdt/model.ts';
import { logisticAsLinearLogit, logisticProbabilities, trainLogistic } from '../logistic.ts';
import { createNormal, createRng } from '../../core/random.ts';
import { logisticOnnx } from './logistic.ts';
import { treeEnsembleOnnx } from './tree-ensemble.ts';

function dataset(n: number, seed: number): TrainingDataset {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const columns = Array.from({ length: 5 }, () => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = [normal(), normal() * 3 + 1, Math.floor(rng() * 5), Math.exp(normal()), normal()];
    if (rng() < 0.1) x[1] = Number.NaN;
    if (rng() < 0.05) x[3] = Number.NaN;
    x.forEach((v, j) => (columns[j]![i] = v));
    const logit = -1 + x[0]! - 0.3 * (x[2]! - 2) ** 2 + (Number.isNaN(x[1]!) ? 1 : 0.2 * x[1]!) + 0.5 * x[0]! * x[4]!;
    labels[i] = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { featureNames: ['a', 'b', 'c', 'd', 'e'], columns, labels };
}

/** Rows of columns as the float32 [n, f] tensor the contract specifies. */
function toTensor(columns: Float64Array[]): ort.Tensor {
  const n = columns[0]!.length;
  const f = columns.length;
  const data = new Float32Array(n * f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) data[i * f + j] = columns[j]![i]!;
  return new ort.Tensor('float32', data, [n, f]);
}

async function runOnnx(bytes: Uint8Array, columns: Float64Array[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual(session.inputNames, ['features']);
  assert.deepEqual(session.outputNames, ['probability']);
  const out = await session.run({ features: toTensor(columns) });
  const p = out.probability!;
  return { data: p.data as Float32Array, dims: p.dims };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function header(bytes: Uint8Array): { ir: number; opsets: Record<string, number> } {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const opsets = Object.fromEntries(model.opsetImport.map((o) => [o.domain ?? '', Number(o.version)]));
  return { ir: Number(model.irVersion), opsets };
}

// Edge rows: exact thresholds, infinities, all-missing.
function withEdgeRows(ds: TrainingDataset, thresholds: number[]): Float64Array[] {
  return ds.columns.map((column, j) => {
    const extra = [thresholds[j] ?? 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e30];
    const out = new Float64Array(column.length + extra.length);
    out.set(column);
    out.set(extra, column.length);
    return out;
  });
}

describe('ONNX export', () => {
  test('GBDT: TreeEnsembleRegressor + Sigmoid matches the trainer to 1e-6', async () => {
    const ds = dataset(4000, 1);
    const { model } = trainGbdt(ds, { maxIterations: 40, earlyStopping: false, maxLeaves: 15 });
    const bytes = treeEnsembleOnnx(model);
    const { ir, opsets } = header(bytes);
    assert.ok(ir <= 13);
    assert.ok(opsets['']! <= 26 && opsets['ai.onnx.ml']! >= 1);
    const firstThresholds = model.trees[0]!.threshold;
    const columns = withEdgeRows(ds, Array.from(firstThresholds.slice(0, 5)));
    const { data, dims } = await runOnnx(bytes, columns);
    assert.deepEqual(dims, [columns[0]!.length, 1]);
    const mine = gbdtProbabilities(model, columns);
    assert.ok(maxDiff(mine, data) < 1e-6, `max diff ${maxDiff(mine, data)}`);
  });

  test('logistic regression: IsNaN/Where/MatMul/Add/Sigmoid matches the trainer to 1e-6', async () => {
    const ds = dataset(3000, 2);
    const { model } = trainLogistic(ds);
    const bytes = logisticOnnx(logisticAsLinearLogit(model));
    const { ir, opsets } = header(bytes);
    assert.ok(ir <= 13 && opsets['']! <= 26);
    const columns = ds.columns.map((c) => {
      const out = new Float64Array(c.length + 2);
      out.set(c);
      out.set([Number.NaN, 0], c.length);
      return out;
    });
    const { data, dims } = await runOnnx(bytes, columns);
    assert.deepEqual(dims, [columns[0]!.length, 1]);
    const mine = logisticProbabilities(model, columns);
    assert.ok(maxDiff(mine, data) < 1e-6, `max diff ${maxDiff(mine, data)}`);
  });

  test('records the feature names as metadata', () => {
    const ds = dataset(500, 3);
    const { model } = trainGbdt(ds, { maxIterations: 2, earlyStopping: false });
    const decoded = onnxProto.onnx.ModelProto.decode(treeEnsembleOnnx(model, { algorithm: 'gbdt' }));
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    assert.deepEqual(JSON.parse(meta.feature_names!), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(meta.algorithm, 'gbdt');
  });
});
