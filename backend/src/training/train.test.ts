import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { DomainError } from '../core/errors.ts';
import type { TrainingDataset } from './dataset.ts';
import { createNormal, createRng } from '../core/random.ts';
import { TrainingCancelledError, trainFileInWorker, trainInWorker, trainModel, workerUrl } from './train.ts';
import type { TrainingProgress } from './types.ts';

function ctr(n: number, seed: number): TrainingDataset {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const columns = Array.from({ length: 3 }, () => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = [normal(), rng(), Math.floor(rng() * 4)];
    x.forEach((v, j) => (columns[j]![i] = v));
    labels[i] = rng() < 1 / (1 + Math.exp(-(-1.5 + x[0]! + (x[1]! > 0.5 ? 1 : 0) - 0.3 * x[2]!))) ? 1 : 0;
  }
  return { featureNames: ['score', 'share', 'slot'], columns, labels };
}

async function probability(onnx: Uint8Array, row: number[]): Promise<number> {
  const session = await ort.InferenceSession.create(onnx);
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(row), [1, row.length]) });
  return (out.probability!.data as Float32Array)[0]!;
}

describe('trainModel', () => {
  for (const algorithm of ['gbdt', 'logistic'] as const) {
    test(`${algorithm}: metrics on the hold-out, a loadable model, progress 0 → 1`, async () => {
      const progress: TrainingProgress[] = [];
      const result = trainModel(ctr(3000, 1), { algorithm, params: algorithm === 'gbdt' ? { maxIterations: 20 } : {} }, (p) => progress.push(p));
      assert.equal(result.algorithm, algorithm);
      assert.equal(result.metrics.evaluatedOn, 'validation');
      assert.equal(result.metrics.rows, 3000);
      assert.equal(result.metrics.trainRows + result.metrics.validationRows, 3000);
      assert.ok(Math.abs(result.metrics.validationRows - 600) <= 2);
      assert.ok(result.metrics.auc > 0.7 && result.metrics.auc <= 1);
      assert.ok(result.metrics.logLoss > 0 && result.metrics.brier > 0);
      assert.equal(progress[0]!.progress, 0);
      assert.equal(progress.at(-1)!.progress, 1);
      for (let k = 1; k < progress.length; k++) assert.ok(progress[k]!.progress >= progress[k - 1]!.progress);
      assert.doesNotThrow(() => JSON.stringify(progress));
      assert.ok(result.params.l2 !== undefined || result.params.maxLeaves !== undefined);
      assert.equal(result.profile!.source, 'trainer');
      assert.deepEqual(result.profile!.features.map((f) => f.name), ['score', 'share', 'slot']);
      assert.equal(result.profile!.score!.counts.reduce((a, b) => a + b, 0), result.metrics.validationRows);
      const p = await probability(result.onnx, [2, 0.9, 0]);
      assert.ok(p > 0.5 && p < 1);
    });
  }

  test('rejects an unknown algorithm and a bad split fraction', () => {
    assert.throws(() => trainModel(ctr(100, 2), { algorithm: 'svm' } as never), DomainError);
    assert.throws(() => trainModel(ctr(100, 2), { algorithm: 'gbdt', validationFraction: 1 }), DomainError);
  });
});

describe('trainInWorker', () => {
  test('the worker file matches the running code (.ts from source, .js when built)', () => {
    assert.ok(workerUrl().pathname.endsWith('/training/worker.ts'));
  });

  test('trains in a worker thread with progress messages; the main thread stays responsive', async () => {
    const progress: TrainingProgress[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const run = trainInWorker(ctr(20_000, 3), { algorithm: 'gbdt', params: { maxIterations: 30, earlyStopping: false } }, {
      onProgress: (p) => progress.push(p),
    });
    const result = await run.result;
    clearInterval(timer);
    assert.ok(result.onnx instanceof Uint8Array && result.onnx.length > 1000);
    assert.ok(result.metrics.auc > 0.7);
    assert.ok(progress.some((p) => p.message === 'tree 30/30' && p.metrics.trainLoss! > 0));
    assert.ok(ticks > 3, `timer ticked ${ticks} times`);
    assert.ok((await probability(result.onnx, [0, 0.2, 1])) > 0);
  });

  test('cancel() terminates the worker and rejects with TrainingCancelledError', async () => {
    const controller = new AbortController();
    const run = trainInWorker(ctr(30_000, 4), { algorithm: 'gbdt', params: { maxIterations: 5000, earlyStopping: false, learningRate: 0.001 } }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.message.startsWith('tree 2/')) controller.abort();
      },
    });
    await assert.rejects(run.result, TrainingCancelledError);
  });

  test('domain errors cross the thread boundary as DomainError', async () => {
    const ds = ctr(100, 5);
    const run = trainInWorker({ ...ds, labels: new Uint8Array(100) }, { algorithm: 'logistic' });
    await assert.rejects(run.result, (e: DomainError) => e instanceof DomainError && e.code === 'invalid_argument');
  });

  test('transfer moves the buffers instead of copying them', async () => {
    const ds = ctr(2000, 6);
    const run = trainInWorker(ds, { algorithm: 'logistic' }, { transfer: true });
    assert.equal(ds.labels.length, 0);
    assert.ok((await run.result).metrics.auc > 0.6);
  });

  test('trainFileInWorker loads a CSV inside the worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-train-'));
    try {
      const ds = ctr(2000, 7);
      const lines = ['id,score,share,slot,clicked'];
      for (let i = 0; i < 2000; i++) lines.push(`u${i},${ds.columns[0]![i]},${ds.columns[1]![i]},${ds.columns[2]![i]},${ds.labels[i]}`);
      writeFileSync(join(dir, 'train.csv'), lines.join('\n') + '\n');
      const run = trainFileInWorker(
        { path: join(dir, 'train.csv'), label: 'clicked', ignore: ['id'] },
        { algorithm: 'gbdt', params: { maxIterations: 10 } },
      );
      const result = await run.result;
      assert.deepEqual(result.featureNames, ['score', 'share', 'slot']);
      assert.equal(result.metrics.rows, 2000);
      await assert.rejects(trainFileInWorker({ path: join(dir, 'nope.csv') }, { algorithm: 'gbdt' }).result,
        (e: DomainError) => e.code === 'not_found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
