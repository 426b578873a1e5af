import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../core/errors.ts';
import { rocAuc } from '../../stats/classification.ts';
import type { TrainingDataset } from '../dataset.ts';
import { createNormal, createRng } from '../../core/random.ts';
import { binColumn, binOf, fitBinEdges, MISSING_BIN } from './binning.ts';
import { trainGbdt } from './boosting.ts';
import { accumulateRange, histogramSize, subtractInPlace } from './histogram.ts';
import { gbdtMargins, gbdtProbabilities } from './model.ts';
import { createRowStore, partitionRows } from './row-store.ts';
import { treeLeafCount } from './tree.ts';

const all = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

function interactions(n: number, seed: number): TrainingDataset {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const columns = Array.from({ length: 4 }, () => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = [normal(), normal(), rng(), normal()];
    x.forEach((v, j) => (columns[j]![i] = v));
    const logit = 2 * x[0]! * x[1]! + (x[2]! > 0.7 ? 1.5 : -0.5) - 0.5;
    labels[i] = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { featureNames: ['x0', 'x1', 'x2', 'noise'], columns, labels };
}

describe('binning', () => {
  test('few distinct values get midpoints; bins agree with float32 threshold comparisons', () => {
    const column = Float64Array.from([3, 1, 2, 2, 1, 3, Number.NaN, 1.5]);
    const edges = fitBinEdges(column, all(column.length), 255);
    assert.deepEqual(Array.from(edges), [1.25, 1.75, 2.5]);
    const bins = binColumn(column, all(column.length), edges);
    assert.deepEqual(Array.from(bins), [3, 0, 2, 2, 0, 3, MISSING_BIN, 1]);
    for (let i = 0; i < column.length; i++) assert.equal(bins[i], binOf(column[i]!, edges));
  });

  test('many distinct values: at most maxBins bins, roughly equal counts, bin <= t iff x <= edges[t]', () => {
    const rng = createRng(5);
    const n = 20_000;
    const column = Float64Array.from({ length: n }, () => Math.exp(3 * rng()) - 1 + 1e-9 * rng());
    const edges = fitBinEdges(column, all(n), 16);
    assert.equal(edges.length, 15);
    const bins = binColumn(column, all(n), edges);
    const counts = new Array<number>(16).fill(0);
    for (const b of bins) counts[b]!++;
    for (const c of counts) assert.ok(Math.abs(c - n / 16) < n / 16 * 0.05, `count ${c}`);
    for (let i = 0; i < n; i += 7) {
      for (let t = 0; t < edges.length; t++) assert.equal(bins[i]! <= t, Math.fround(column[i]!) <= edges[t]!);
    }
  });
});

describe('histograms and partitions', () => {
  test('the sibling histogram from subtraction equals the directly built one', () => {
    const n = 3000;
    const rng = createRng(9);
    const binColumns = Array.from({ length: 3 }, () => Uint8Array.from({ length: n }, () => (rng() < 0.1 ? MISSING_BIN : Math.floor(rng() * 40))));
    const store = createRowStore(binColumns, Uint8Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0)), 0);
    for (let i = 0; i < 2 * n; i++) store.gh[i] = rng() - 0.5;
    const parent = new Float64Array(histogramSize(3));
    accumulateRange(parent, store, 0, n);
    const middle = partitionRows(store, 0, n, 1, 12, true);
    for (let i = 0; i < n; i++) {
      const b = store.bins[i * store.stride + 1]!;
      assert.equal(b === MISSING_BIN || b <= 12, i < middle, `row ${i} on the wrong side`);
    }
    const left = new Float64Array(histogramSize(3));
    const right = new Float64Array(histogramSize(3));
    accumulateRange(left, store, 0, middle);
    accumulateRange(right, store, middle, n);
    subtractInPlace(parent, left);
    for (let k = 0; k < parent.length; k++) assert.ok(Math.abs(parent[k]! - right[k]!) < 1e-9);
  });
});

describe('trainGbdt', () => {
  test('learns interactions and thresholds (hold-out AUC near the Bayes rate)', () => {
    const train = interactions(8000, 1);
    const test = interactions(4000, 2);
    const { model, info } = trainGbdt(train, { maxIterations: 80, earlyStopping: false });
    assert.equal(info.iterations, 80);
    const auc = rocAuc(test.labels, gbdtMargins(model, test.columns));
    assert.ok(auc > 0.8, `AUC ${auc}`);
  });

  test('is deterministic', () => {
    const ds = interactions(3000, 3);
    const a = trainGbdt(ds, { maxIterations: 10, earlyStopping: true });
    const b = trainGbdt(ds, { maxIterations: 10, earlyStopping: true });
    assert.deepEqual(gbdtMargins(a.model, ds.columns), gbdtMargins(b.model, ds.columns));
  });

  test('learns where missing values go', () => {
    // Missing x means positive; present x carries a weak signal.
    const n = 6000;
    const rng = createRng(11);
    const x = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = rng() < 0.2;
      x[i] = missing ? Number.NaN : rng();
      labels[i] = rng() < (missing ? 0.9 : 0.2 + 0.2 * x[i]!) ? 1 : 0;
    }
    const { model } = trainGbdt({ featureNames: ['x'], columns: [x], labels }, { maxIterations: 30, earlyStopping: false });
    const p = gbdtProbabilities(model, [Float64Array.from([Number.NaN, 0.1, 0.9])]);
    assert.ok(p[0]! > 0.8, `missing → ${p[0]}`);
    assert.ok(p[1]! < 0.35 && p[2]! < 0.5);
  });

  test('respects maxLeaves, maxDepth and minSamplesLeaf', () => {
    const ds = interactions(2000, 4);
    const { model } = trainGbdt(ds, { maxIterations: 5, earlyStopping: false, maxLeaves: 7, minSamplesLeaf: 100 });
    for (const tree of model.trees) assert.ok(treeLeafCount(tree) <= 7);
    const deep = trainGbdt(ds, { maxIterations: 5, earlyStopping: false, maxLeaves: 64, maxDepth: 2 });
    for (const tree of deep.model.trees) assert.ok(treeLeafCount(tree) <= 4);
    // Each leaf holds >= 100 training rows: count rows per leaf by routing them.
    const tree = model.trees[0]!;
    const counts = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const v = ds.columns[tree.feature[node]!]![i]!;
        node = Math.fround(v) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      }
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    for (const c of counts.values()) assert.ok(c >= 100, `leaf with ${c} rows`);
  });

  test('early stopping stops on a noise-only problem and keeps the best iteration', () => {
    const n = 12_000;
    const rng = createRng(21);
    const x = Float64Array.from({ length: n }, () => rng());
    const labels = Uint8Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
    const { info } = trainGbdt({ featureNames: ['x'], columns: [x], labels }, { maxIterations: 200, nIterNoChange: 5 });
    assert.ok(info.earlyStopped);
    assert.ok(info.iterationsRun < 200);
    assert.equal(info.iterations, info.iterationsRun - 5);
  });

  test('reports iterations and can be aborted by throwing', () => {
    const ds = interactions(1000, 6);
    const seen: number[] = [];
    assert.throws(
      () => trainGbdt(ds, { maxIterations: 50, earlyStopping: false }, {
        onIteration: (r) => {
          seen.push(r.iteration);
          assert.ok(Number.isFinite(r.trainLoss));
          if (r.iteration === 3) throw new Error('stop');
        },
      }),
      /stop/,
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('rejects bad parameters and datasets with a DomainError', () => {
    const ds = interactions(100, 7);
    assert.throws(() => trainGbdt(ds, { maxLeaves: 1 }), DomainError);
    assert.throws(() => trainGbdt(ds, { maxBins: 256 }), DomainError);
    assert.throws(() => trainGbdt(ds, { learningRate: Number.NaN }), DomainError);
    assert.throws(() => trainGbdt(ds, { bogus: 1 } as never), /unknown parameter/);
    assert.throws(() => trainGbdt({ ...ds, labels: new Uint8Array(100) }), /both classes/);
  });
});
