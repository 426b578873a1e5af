import { invalid } from '../core/errors.ts';
import { choleskySolve } from './cholesky.ts';
import { type TrainerOptions, type TrainingDataset, datasetRows, validateDataset } from './dataset.ts';
import type { LinearLogit } from './onnx/logistic.ts';

export interface LogisticParams {
  /** L2 penalty on the standardised coefficients (not the intercept): mean log loss + l2/2·‖w‖². */
  l2: number;
  maxIterations: number;
  /** Converged when the largest Newton step component is below this. */
  tolerance: number;
}

export const defaultLogisticParams: LogisticParams = { l2: 1e-4, maxIterations: 50, tolerance: 1e-8 };

/**
 * Logistic regression on raw feature values: p = sigmoid(intercept + Σ weights[j]·x_j), with
 * a missing x_j replaced by means[j]. Weights and intercept are float32 values (what the
 * ONNX model holds), so the trainer's predictions and ONNX Runtime's agree.
 */
export interface LogisticModel {
  algorithm: 'logistic';
  featureNames: string[];
  weights: Float64Array;
  intercept: number;
  /** Training means (ignoring missing values): the standardisation centre and the imputed value. */
  means: Float64Array;
  /** Training standard deviations (1 for a constant feature). */
  scales: Float64Array;
  /** Coefficients on standardised features, as fitted. */
  standardizedWeights: Float64Array;
  standardizedIntercept: number;
}

export interface LogisticIteration {
  iteration: number;
  maxIterations: number;
  loss: number;
}

export interface LogisticTraining {
  model: LogisticModel;
  params: LogisticParams;
  info: { iterations: number; converged: boolean; loss: number; trainRows: number };
}

export function resolveLogisticParams(input: Partial<LogisticParams> = {}): LogisticParams {
  for (const key of Object.keys(input)) {
    if (!(key in defaultLogisticParams)) throw invalid(`params.${key}: unknown parameter for logistic regression`);
  }
  const p = { ...defaultLogisticParams, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (typeof p.l2 !== 'number' || !Number.isFinite(p.l2) || p.l2 < 0) throw invalid('params.l2: a number >= 0');
  if (!Number.isInteger(p.maxIterations) || p.maxIterations < 1 || p.maxIterations > 1000) {
    throw invalid('params.maxIterations: an integer in [1, 1000]');
  }
  if (typeof p.tolerance !== 'number' || !(p.tolerance > 0)) throw invalid('params.tolerance: a number > 0');
  return p;
}

/**
 * Newton's method (IRLS) on standardised features with a backtracking line search:
 * deterministic, and converges in a handful of iterations for CTR-sized feature counts
 * (each iteration is one pass over the rows accumulating the (d+1)² Hessian).
 */
export function trainLogistic(
  dataset: TrainingDataset,
  input: Partial<LogisticParams> = {},
  options: TrainerOptions<LogisticIteration> = {},
): LogisticTraining {
  validateDataset(dataset);
  const params = resolveLogisticParams(input);
  const onIteration = options.onIteration;
  const rows = options.rows ?? null;
  const n = rows ? rows.length : datasetRows(dataset);
  const nFeatures = dataset.columns.length;
  const d = nFeatures + 1; // coefficient 0 is the intercept
  const { means, scales } = standardisation(dataset.columns, rows);

  // Row-major standardised design matrix with a leading 1 (missing → 0, i.e. the mean).
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) z[i * d] = 1;
  dataset.columns.forEach((column, j) => {
    const m = means[j]!;
    const s = scales[j]!;
    for (let i = 0, o = j + 1; i < n; i++, o += d) {
      const x = column[rows ? rows[i]! : i]!;
      z[o] = x === x ? (x - m) / s : 0;
    }
  });
  const y8 = rows ? Uint8Array.from(rows, (r) => dataset.labels[r]!) : dataset.labels;
  // Sample weights (all 1 when absent): the loss is the weighted mean over the rows.
  const given = options.weights;
  const weight = given ? (rows ? Float64Array.from(rows, (r) => given[r]!) : given) : new Float64Array(n).fill(1);
  let total = 0;
  for (let i = 0; i < n; i++) total += weight[i]!;

  const beta = new Float64Array(d);
  let positives = 0;
  let weightedPositives = 0;
  for (let i = 0; i < n; i++) {
    positives += y8[i]!;
    weightedPositives += weight[i]! * y8[i]!;
  }
  if (positives === 0 || positives === n) throw invalid('rows: both classes must occur among the training rows');
  beta[0] = Math.log(weightedPositives / (total - weightedPositives));

  const objective = (b: Float64Array): number => {
    let sum = 0;
    for (let i = 0, o = 0; i < n; i++, o += d) {
      let s = 0;
      for (let k = 0; k < d; k++) s += z[o + k]! * b[k]!;
      sum += weight[i]! * (Math.log1p(Math.exp(-Math.abs(s))) + (s > 0 ? s : 0) - y8[i]! * s);
    }
    let penalty = 0;
    for (let k = 1; k < d; k++) penalty += b[k]! * b[k]!;
    return sum / total + (params.l2 / 2) * penalty;
  };

  let loss = objective(beta);
  let converged = false;
  let iterations = 0;
  const grad = new Float64Array(d);
  const hess = new Float64Array(d * d);
  for (let it = 1; it <= params.maxIterations; it++) {
    iterations = it;
    grad.fill(0);
    hess.fill(0);
    for (let i = 0, o = 0; i < n; i++, o += d) {
      let s = 0;
      for (let k = 0; k < d; k++) s += z[o + k]! * beta[k]!;
      const e = Math.exp(-Math.abs(s));
      const p = s >= 0 ? 1 / (1 + e) : e / (1 + e);
      const r = weight[i]! * (p - y8[i]!);
      const w = (weight[i]! * e) / ((1 + e) * (1 + e));
      for (let a = 0; a < d; a++) {
        const za = z[o + a]!;
        grad[a]! += r * za;
        const wza = w * za;
        const row = a * d;
        for (let b = 0; b <= a; b++) hess[row + b]! += wza * z[o + b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      grad[a] = grad[a]! / total + (a > 0 ? params.l2 * beta[a]! : 0);
      for (let b = 0; b <= a; b++) {
        const v = hess[a * d + b]! / total + (a === b ? (a > 0 ? params.l2 : 0) + 1e-12 : 0);
        hess[a * d + b] = v;
        hess[b * d + a] = v;
      }
    }
    const step = choleskySolve(hess, grad, d);
    if (!step) break; // Hessian not positive definite: keep the current iterate
    let t = 1;
    const candidate = new Float64Array(d);
    let candidateLoss = Infinity;
    while (t > 1e-10) {
      for (let k = 0; k < d; k++) candidate[k] = beta[k]! - t * step[k]!;
      candidateLoss = objective(candidate);
      if (candidateLoss <= loss) break;
      t /= 2;
    }
    if (!(candidateLoss <= loss)) {
      converged = true; // no descent left at machine precision
      break;
    }
    let largest = 0;
    for (let k = 0; k < d; k++) largest = Math.max(largest, Math.abs(t * step[k]!));
    beta.set(candidate);
    loss = candidateLoss;
    onIteration?.({ iteration: it, maxIterations: params.maxIterations, loss });
    if (largest < params.tolerance) {
      converged = true;
      break;
    }
  }

  // Back to raw feature values: w_j = β_j / s_j, b = β_0 − Σ β_j m_j / s_j (float32, as in ONNX).
  const weights = new Float64Array(nFeatures);
  let intercept = beta[0]!;
  for (let j = 0; j < nFeatures; j++) {
    weights[j] = Math.fround(beta[j + 1]! / scales[j]!);
    intercept -= (beta[j + 1]! * means[j]!) / scales[j]!;
  }
  return {
    model: {
      algorithm: 'logistic',
      featureNames: [...dataset.featureNames],
      weights,
      intercept: Math.fround(intercept),
      means: means.map((m) => Math.fround(m)),
      scales,
      standardizedWeights: beta.slice(1),
      standardizedIntercept: beta[0]!,
    },
    params,
    info: { iterations, converged, loss, trainRows: n },
  };
}

/** Per-feature mean and population standard deviation over non-missing values. */
function standardisation(columns: Float64Array[], rows: Uint32Array | null): { means: Float64Array; scales: Float64Array } {
  const means = new Float64Array(columns.length);
  const scales = new Float64Array(columns.length);
  columns.forEach((column, j) => {
    let count = 0;
    let mean = 0;
    let m2 = 0;
    const n = rows ? rows.length : column.length;
    for (let i = 0; i < n; i++) {
      const x = column[rows ? rows[i]! : i]!;
      if (x !== x) continue;
      count++;
      const delta = x - mean;
      mean += delta / count;
      m2 += delta * (x - mean);
    }
    const sd = count > 0 ? Math.sqrt(m2 / count) : 0;
    means[j] = count > 0 ? mean : 0;
    scales[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
  });
  return { means, scales };
}

/** Probabilities per row of raw columns; computed from the float32 parameters like ONNX Runtime. */
export function logisticProbabilities(model: LogisticModel, columns: Float64Array[]): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n).fill(model.intercept);
  columns.forEach((column, j) => {
    const w = model.weights[j]!;
    const m = model.means[j]!;
    for (let i = 0; i < n; i++) {
      const x = column[i]!;
      out[i]! += w * (x === x ? Math.fround(x) : m);
    }
  });
  for (let i = 0; i < n; i++) {
    const s = out[i]!;
    out[i] = s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
  }
  return out;
}

export const logisticAsLinearLogit = (model: LogisticModel): LinearLogit => ({
  featureNames: model.featureNames,
  weights: model.weights,
  intercept: model.intercept,
  imputeValues: model.means,
});
