import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../core/errors.ts';
import { logisticProbabilities, trainLogistic } from './logistic.ts';
import { createNormal, createRng } from '../core/random.ts';

function linear(n: number, seed: number, weights: number[], intercept: number) {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const columns = weights.map(() => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let s = intercept;
    weights.forEach((w, j) => {
      const x = normal() * (j + 1) + j; // different scales and centres
      columns[j]![i] = x;
      s += w * x;
    });
    labels[i] = rng() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
  }
  return { featureNames: weights.map((_, j) => `x${j}`), columns, labels };
}

describe('trainLogistic', () => {
  test('recovers the generating coefficients on raw feature scales', () => {
    const truth = [0.8, -0.4, 0.1];
    const ds = linear(40_000, 1, truth, -1);
    const { model, info } = trainLogistic(ds, { l2: 0 });
    assert.ok(info.converged);
    truth.forEach((w, j) => assert.ok(Math.abs(model.weights[j]! - w) < 0.05, `w${j} = ${model.weights[j]}`));
    assert.ok(Math.abs(model.intercept + 1) < 0.1, `b = ${model.intercept}`);
  });

  test('solves the penalised problem: the gradient vanishes at the solution', () => {
    const ds = linear(5000, 2, [1, -1, 0.5], 0.3);
    const l2 = 0.01;
    const { model } = trainLogistic(ds, { l2 });
    // Gradient in standardised coordinates: mean (p − y)·z_j + l2·β_j.
    const p = new Float64Array(5000);
    for (let i = 0; i < 5000; i++) {
      let s = model.standardizedIntercept;
      for (let j = 0; j < 3; j++) s += model.standardizedWeights[j]! * (ds.columns[j]![i]! - model.means[j]!) / model.scales[j]!;
      p[i] = 1 / (1 + Math.exp(-s));
    }
    let g0 = 0;
    for (let i = 0; i < 5000; i++) g0 += p[i]! - ds.labels[i]!;
    assert.ok(Math.abs(g0 / 5000) < 1e-6);
    for (let j = 0; j < 3; j++) {
      let g = 0;
      for (let i = 0; i < 5000; i++) g += (p[i]! - ds.labels[i]!) * (ds.columns[j]![i]! - model.means[j]!) / model.scales[j]!;
      // means are stored as float32, so allow for that rounding
      assert.ok(Math.abs(g / 5000 + l2 * model.standardizedWeights[j]!) < 1e-5, `grad ${j}`);
    }
  });

  test('imputes missing values with the training mean and handles constant features', () => {
    const ds = linear(2000, 3, [1, 0.5], 0);
    ds.columns[1]![0] = Number.NaN;
    ds.featureNames.push('constant');
    ds.columns.push(new Float64Array(2000).fill(7));
    const { model } = trainLogistic(ds);
    assert.equal(model.scales[2], 1);
    assert.ok(Math.abs(model.weights[2]!) < 1e-6);
    const [a, b] = [
      logisticProbabilities(model, [Float64Array.of(0.5), Float64Array.of(Number.NaN), Float64Array.of(7)])[0]!,
      logisticProbabilities(model, [Float64Array.of(0.5), Float64Array.of(model.means[1]!), Float64Array.of(7)])[0]!,
    ];
    assert.ok(Math.abs(a - b) < 1e-12);
  });

  test('rejects bad parameters', () => {
    const ds = linear(100, 4, [1], 0);
    assert.throws(() => trainLogistic(ds, { l2: -1 }), DomainError);
    assert.throws(() => trainLogistic(ds, { maxIterations: 0 }), DomainError);
    assert.throws(() => trainLogistic(ds, { alpha: 1 } as never), /unknown parameter/);
  });
});
