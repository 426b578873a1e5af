/**
 * Seeded synthetic click-through data: 20 numeric features of the kinds a recommender logs
 * (scores, counts with heavy tails, small integers such as slot position, shares in [0, 1]),
 * two with missing values, and a label drawn from a nonlinear logit with interactions
 * (base click rate ≈ 7%).
 */
import type { TrainingDataset } from '../../backend/src/training/dataset.ts';
import { createNormal, createRng } from '../../backend/src/core/random.ts';

export const SYNTHETIC_FEATURES = 20;

export function syntheticCtr(rows: number, seed: number): TrainingDataset {
  const rng = createRng(seed);
  const normal = createNormal(rng);
  const columns = Array.from({ length: SYNTHETIC_FEATURES }, () => new Float64Array(rows));
  const labels = new Uint8Array(rows);
  const c = (j: number): Float64Array => columns[j]!;
  for (let i = 0; i < rows; i++) {
    const userAffinity = normal();
    const itemQuality = normal();
    const x0 = userAffinity;
    const x1 = itemQuality;
    const x2 = 0.6 * userAffinity + 0.8 * normal();
    const x3 = normal();
    const x4 = normal();
    const views = Math.floor(Math.exp(1.5 + 1.2 * normal()));
    const x5 = rng() < 0.05 ? Number.NaN : views;
    const x6 = Math.exp(normal());
    const x7 = Math.floor(rng() * 4) === 0 ? 0 : Math.floor(Math.exp(normal()) * 3);
    const x8 = Math.floor(rng() * 10);
    const x9 = Math.floor(rng() * 7);
    const x10 = rng();
    const x11 = rng();
    const x12 = rng() < 0.1 ? Number.NaN : 0.5 * itemQuality + normal();
    const values = [x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12];
    for (let j = 0; j < values.length; j++) c(j)[i] = values[j]!;
    for (let j = values.length; j < SYNTHETIC_FEATURES; j++) c(j)[i] = normal() + (j % 2 === 0 ? 0.3 * x3 : 0);
    const logit =
      -3.1 +
      0.7 * x0 +
      0.5 * x1 +
      0.45 * x2 * x3 -
      0.25 * x4 * x4 +
      (Number.isNaN(x5) ? -0.4 : 0.3 * Math.log1p(x5)) -
      0.12 * x8 +
      (x9 === 3 ? 0.4 : 0) +
      0.4 * Math.sin(6 * x10) +
      (x11 > 0.8 ? 0.35 : 0) +
      (Number.isNaN(x12) ? 0.2 : 0.25 * Math.tanh(x12)) +
      0.1 * Math.log(x6) * x0 +
      0.05 * Math.min(x7, 10);
    labels[i] = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const featureNames = Array.from({ length: SYNTHETIC_FEATURES }, (_, j) => `f${j}`);
  return { featureNames, columns, labels };
}
