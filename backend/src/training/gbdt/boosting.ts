import { type TrainerOptions, type TrainingDataset, datasetRows, splitRows, validateDataset } from '../dataset.ts';
import { createRng, permutation } from '../../core/random.ts';
import { binColumn, fitBinEdges } from './binning.ts';
import { TreeGrower } from './grower.ts';
import { createRowStore } from './row-store.ts';
import { type GbdtParams, resolveGbdtParams } from './params.ts';
import { type Tree, addTreeBinned } from './tree.ts';
import type { GbdtModel } from './model.ts';

export interface GbdtIteration {
  /** Trees built so far (1-based). */
  iteration: number;
  maxIterations: number;
  /** Log loss of the ensemble before this iteration's tree, on up to 20 000 evenly spaced training rows. */
  trainLoss: number;
  /** Log loss on the early-stopping split after this tree; null without early stopping. */
  validationLoss: number | null;
}

export interface GbdtTrainingInfo {
  /** Trees kept (the best iteration when early stopping). */
  iterations: number;
  iterationsRun: number;
  earlyStopped: boolean;
  trainRows: number;
  earlyStoppingRows: number;
  bestValidationLoss: number | null;
  binningSeconds: number;
  boostingSeconds: number;
}

export interface GbdtTraining {
  model: GbdtModel;
  params: GbdtParams;
  info: GbdtTrainingInfo;
}

const LOSS_SAMPLE = 20_000;

/**
 * Gradient-boosted trees for binary log loss. Features are binned once (quantiles, float32
 * thresholds); each iteration fits one tree to the Newton step (gradient p − y, hessian
 * p(1 − p), both times the row's weight when weighted), leaf value −lr·G/(H + λ). With early stopping, a stratified share of the rows
 * is held out and training stops when its loss has not improved for nIterNoChange
 * iterations; the model is cut back to the best iteration.
 * `onIteration` may throw to abort (the error propagates).
 */
export function trainGbdt(
  dataset: TrainingDataset,
  input: Partial<GbdtParams> = {},
  options: TrainerOptions<GbdtIteration> = {},
): GbdtTraining {
  validateDataset(dataset);
  const params = resolveGbdtParams(input);
  const onIteration = options.onIteration;
  const baseRows = options.rows ?? identity(datasetRows(dataset));
  const earlyStopping = params.earlyStopping === 'auto' ? baseRows.length > 10_000 : params.earlyStopping;

  const t0 = performance.now();
  let trainRows = baseRows;
  let validRows = new Uint32Array(0);
  if (earlyStopping) {
    const split = splitRows(gather(dataset.labels, baseRows), params.validationFraction, params.seed);
    trainRows = split.train.map((k) => baseRows[k]!);
    validRows = split.validation.map((k) => baseRows[k]!);
  }
  const sampleRows = subsample(trainRows, params.binSubsample, params.seed);
  const edges = dataset.columns.map((column) => fitBinEdges(column, sampleRows, params.maxBins));
  const binCounts = Int32Array.from(edges, (e) => e.length + 1);
  const binColumns = dataset.columns.map((column, f) => binColumn(column, trainRows, edges[f]!));
  const validBins = dataset.columns.map((column, f) => binColumn(column, validRows, edges[f]!));
  const y = gather(dataset.labels, trainRows);
  const yValid = gather(dataset.labels, validRows);
  const t1 = performance.now();

  const n = trainRows.length;
  const weights = options.weights ? Float32Array.from(trainRows, (r) => options.weights![r]!) : null;
  let positives = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    positives += w * y[i]!;
    total += w;
  }
  // Both classes are present overall; a tiny training part could still lack one.
  const rate = Math.min(1 - 1e-12, Math.max(1e-12, positives / total));
  const baseScore = Math.fround(Math.log(rate / (1 - rate)));
  const store = createRowStore(binColumns, y, baseScore, weights);
  binColumns.length = 0; // the store holds the bins now; let the columns go
  const rawValid = new Float64Array(validRows.length).fill(baseScore);
  const grower = new TreeGrower(store, binCounts, {
    maxLeaves: params.maxLeaves,
    maxDepth: params.maxDepth ?? Infinity,
    minSamplesLeaf: params.minSamplesLeaf,
    minHessianLeaf: 1e-3,
    l2: params.l2Regularization,
    minGainToSplit: 0,
    learningRate: params.learningRate,
  });

  const trees: Tree[] = [];
  let bestLoss = Infinity;
  let bestIteration = 0;
  let earlyStopped = false;
  for (let it = 1; it <= params.maxIterations; it++) {
    computeGradients(store.raw, store.y, store.w, store.gh);
    const trainLoss = sampledLogLoss(store.raw, store.y);
    const { tree, leaves } = grower.grow();
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node]!;
      if (f >= 0) tree.threshold[node] = edges[f]![tree.binThreshold[node]!]!;
    }
    const raw = store.raw;
    for (const { start, end, value } of leaves) {
      for (let i = start; i < end; i++) raw[i]! += value;
    }
    trees.push(tree);
    let validationLoss: number | null = null;
    if (earlyStopping) {
      addTreeBinned(tree, validBins, rawValid);
      validationLoss = meanLogLoss(rawValid, yValid);
    }
    onIteration?.({ iteration: it, maxIterations: params.maxIterations, trainLoss, validationLoss });
    if (validationLoss !== null) {
      if (validationLoss < bestLoss - params.tolerance) {
        bestLoss = validationLoss;
        bestIteration = it;
      } else if (it - bestIteration >= params.nIterNoChange) {
        earlyStopped = true;
        break;
      }
    }
  }
  const iterationsRun = trees.length;
  if (earlyStopping && bestIteration > 0) trees.length = bestIteration;
  const t2 = performance.now();

  return {
    model: { algorithm: 'gbdt', featureNames: [...dataset.featureNames], baseScore, trees },
    params,
    info: {
      iterations: trees.length,
      iterationsRun,
      earlyStopped,
      trainRows: n,
      earlyStoppingRows: validRows.length,
      bestValidationLoss: earlyStopping ? bestLoss : null,
      binningSeconds: (t1 - t0) / 1000,
      boostingSeconds: (t2 - t1) / 1000,
    },
  };
}

/** g = w(p − y) and h = w·p(1 − p) = w·e/(1 + e)² with e = exp(−|raw|), interleaved into gh. */
function computeGradients(raw: Float64Array, y: Uint8Array, weights: Float32Array | null, gh: Float32Array): void {
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!;
    const e = Math.exp(-Math.abs(s));
    const d = 1 + e;
    const p = s >= 0 ? 1 / d : e / d;
    const w = weights ? weights[i]! : 1;
    gh[2 * i] = w * (p - y[i]!);
    gh[2 * i + 1] = (w * e) / (d * d);
  }
}

/** Log loss of log-odds `raw`: log(1 + e^−|s|) + max(s, 0) − y·s, stable for any s. */
const rowLoss = (s: number, y: number): number => Math.log1p(Math.exp(-Math.abs(s))) + (s > 0 ? s : 0) - y * s;

function meanLogLoss(raw: Float64Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < raw.length; i++) sum += rowLoss(raw[i]!, y[i]!);
  return raw.length > 0 ? sum / raw.length : 0;
}

function sampledLogLoss(raw: Float64Array, y: Uint8Array): number {
  const stride = Math.max(1, Math.floor(raw.length / LOSS_SAMPLE));
  let sum = 0;
  let m = 0;
  for (let i = 0; i < raw.length; i += stride, m++) sum += rowLoss(raw[i]!, y[i]!);
  return m > 0 ? sum / m : 0;
}

/** Up to `size` of `rows`, drawn without replacement (seeded), ascending. */
function subsample(rows: Uint32Array, size: number, seed: number): Uint32Array {
  if (rows.length <= size) return rows;
  const order = permutation(rows.length, createRng(seed ^ 0x5bd1e995));
  const out = new Uint32Array(size);
  for (let k = 0; k < size; k++) out[k] = rows[order[k]!]!;
  return out.sort();
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function gather(values: Uint8Array, rows: Uint32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}
