/**
 * Recency weights for training: a row of age a (behind the newest row) weighs 2^(−a / h)
 * for half-life h, scaled so that the weights average 1 (the loss keeps its scale, and so
 * do the trainers' regularisation and minimum-hessian settings). Pure.
 */
import { invalid } from '../core/errors.ts';

export function recencyWeights(times: Float64Array, halfLifeMs: number): Float64Array {
  if (!(halfLifeMs > 0) || !Number.isFinite(halfLifeMs)) throw invalid('recencyHalfLife: a duration > 0');
  const n = times.length;
  const weights = new Float64Array(n);
  if (n === 0) return weights;
  let newest = -Infinity;
  for (let i = 0; i < n; i++) newest = Math.max(newest, times[i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // Floored so that a very old row still has a weight > 0 (trainers divide by sums of weights).
    const w = Math.max(2 ** (-(newest - times[i]!) / halfLifeMs), 1e-12);
    weights[i] = w;
    sum += w;
  }
  const scale = n / sum;
  for (let i = 0; i < n; i++) weights[i]! *= scale;
  return weights;
}

/** Kish's effective sample size (Σw)² / Σw² of the weights at `rows` (all when absent). */
export function effectiveRows(weights: Float64Array, rows?: Uint32Array): number {
  let sum = 0;
  let squares = 0;
  const n = rows ? rows.length : weights.length;
  for (let k = 0; k < n; k++) {
    const w = weights[rows ? rows[k]! : k]!;
    sum += w;
    squares += w * w;
  }
  return squares > 0 ? (sum * sum) / squares : 0;
}
