import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { int64InputOnnx, logistic, logisticRegressionOnnx, perFeatureOnnx } from '../testing/onnx-fixtures.ts';
import { MicroBatcher } from '../serving/micro-batcher.ts';
import { concatEncoded, loadModelSession } from './onnx-session.ts';

const features = [
  { name: 'a', type: 'numeric' as const },
  { name: 'b', type: 'numeric' as const },
  { name: 'c', type: 'categorical' as const },
];
const where = (i: number) => `instances[${i}]`;

describe('ONNX sessions', () => {
  test('logistic regression scores match float64 arithmetic, for every output form', async () => {
    const weights = [0.7, -1.3];
    for (const output of ['column', 'vector', 'two_class'] as const) {
      const session = await loadModelSession(logisticRegressionOnnx({ weights, bias: 0.2, output, labelFirst: output === 'two_class' }), features);
      const rows = [{ a: 1, b: 2 }, { a: -0.5, b: 0.25, c: 'x' }, { a: 0, b: 0 }];
      const scores = await session.score(session.encode(rows, where));
      rows.forEach((row, i) => assert.ok(Math.abs(scores[i]! - logistic(weights, 0.2, [row.a, row.b])) < 1e-6, `${output} row ${i}`));
      await session.release();
    }
  });

  test('per-feature inputs, with a categorical string input', async () => {
    const session = await loadModelSession(
      perFeatureOnnx([
        { name: 'a', type: 'numeric', weight: 0.5 },
        { name: 'c', type: 'categorical', categories: { x: 1, y: -1 } },
      ]),
      features,
    );
    assert.equal(session.plan.kind, 'per_feature');
    const scores = await session.score(session.encode([{ a: 2, c: 'x' }, { a: 2, c: 'zzz' }, { a: 0 }], where));
    assert.ok(Math.abs(scores[0]! - 1 / (1 + Math.exp(-2))) < 1e-6);
    assert.ok(Math.abs(scores[1]! - 1 / (1 + Math.exp(-1))) < 1e-6);
    assert.ok(Math.abs(scores[2]! - 0.5) < 1e-6, 'a missing category is "" (unknown)');
    await session.release();
  });

  test('bad values name the instance and the feature', async () => {
    const session = await loadModelSession(logisticRegressionOnnx({ weights: [1, 1] }), features);
    assert.throws(() => session.encode([{ a: 1, b: 1 }, { a: 1 }], where), /instances\[1\]\.features\.b: missing/);
    assert.throws(() => session.encode([{ a: 'x', b: 1 }], where), /instances\[0\]\.features\.a: expected a finite number, got "x"/);
    assert.throws(() => session.encode([{ a: Number.NaN, b: 1 }], where), /expected a finite number/);
    await session.release();
  });

  test('artifacts breaking the contract are refused at load', async () => {
    await assert.rejects(loadModelSession(int64InputOnnx(), features), /found inputs "features" int64/);
    await assert.rejects(loadModelSession(Buffer.from('not onnx'), features), /onnxruntime cannot load it/);
    await assert.rejects(loadModelSession(logisticRegressionOnnx({ weights: [1, 1, 1] }), features), /takes 3 columns/);
  });

  test('micro-batching: concurrent requests share one run and get their own scores', async () => {
    const weights = [1, -1];
    const session = await loadModelSession(logisticRegressionOnnx({ weights }), features);
    const runs: number[] = [];
    const batcher = new MicroBatcher(session, { maxRows: 64, maxWaitMs: 0, onRun: (n) => runs.push(n) });
    const inputs = Array.from({ length: 100 }, (_, i) => ({ a: i / 10, b: (i % 7) / 3 }));
    const scores = await Promise.all(inputs.map((row) => batcher.score(session.encode([row], where))));
    inputs.forEach((row, i) => assert.ok(Math.abs(scores[i]![0]! - logistic(weights, 0, [row.a, row.b])) < 1e-6));
    assert.deepEqual(runs, [1, 64, 35], 'the first runs at once; those arriving meanwhile run together, at most maxRows each');
    const timed = new MicroBatcher(session, { maxRows: 64, maxWaitMs: 2, onRun: (n) => runs.push(n) });
    runs.length = 0;
    await Promise.all(inputs.slice(0, 10).map((row) => timed.score(session.encode([row], where))));
    assert.deepEqual(runs, [10], 'with maxWaitMs the batch is held open');
    assert.equal(concatEncoded([session.encode([{ a: 1, b: 2 }], where), session.encode([{ a: 3, b: 4 }], where)]).matrix?.join(','), '1,2,3,4');
    await session.release();
  });
});
