/**
 * Entry points of the built-in trainer. `trainModel` trains in the calling thread (pure
 * compute: tests, CLI, benchmarks); `trainInWorker` runs the same code in a worker thread
 * so the service stays responsive, with progress messages and cancellation.
 */
import { Worker } from 'node:worker_threads';
import { DomainError, invalid, type ErrorCode } from '../core/errors.ts';
import { brierScore, logLoss, rocAuc } from '../stats/classification.ts';
import { type TrainingDataset, datasetRows, splitRows, takeRows, validateDataset } from './dataset.ts';
import { trainGbdt } from './gbdt/boosting.ts';
import { gbdtProbabilities } from './gbdt/model.ts';
import { logisticAsLinearLogit, logisticProbabilities, trainLogistic } from './logistic.ts';
import type { DatasetSource } from './loaders.ts';
import { logisticOnnx } from './onnx/logistic.ts';
import { treeEnsembleOnnx } from './onnx/tree-ensemble.ts';
import { trainingProfile } from './profile.ts';
import { effectiveRows, recencyWeights } from './recency.ts';
import { algorithms, type TrainingMetrics, type TrainingProgress, type TrainingResult, type TrainingSpec } from './types.ts';

export type ProgressListener = (progress: TrainingProgress) => void;

const finiteOnly = (metrics: Record<string, number | null>): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics).filter((e): e is [string, number] => Number.isFinite(e[1])));

/** Trains in the calling thread. Throws `invalid_argument` for a bad dataset or spec. */
export function trainModel(dataset: TrainingDataset, spec: TrainingSpec, onProgress?: ProgressListener): TrainingResult {
  const started = performance.now();
  if (!algorithms.includes(spec.algorithm)) throw invalid(`algorithm: one of ${algorithms.join(', ')}`);
  validateDataset(dataset);
  const validationFraction = spec.validationFraction ?? 0.2;
  if (!(validationFraction > 0 && validationFraction < 1)) throw invalid('validationFraction: must be in (0, 1)');
  const report = (progress: number, message: string, metrics: Record<string, number | null> = {}): void =>
    onProgress?.({ progress, message, metrics: finiteOnly(metrics) });

  report(0, 'splitting rows');
  const split = splitRows(dataset.labels, validationFraction, spec.seed ?? 0);
  const weights = spec.recencyHalfLifeMs === undefined ? undefined : recencyWeights(timesOf(dataset), spec.recencyHalfLifeMs);
  const weighted = weights ? { weights } : {};
  const holdout = takeRows(dataset, split.validation);
  let onnx: Uint8Array;
  let params: Record<string, unknown>;
  let iterations: number;
  let predict: (columns: Float64Array[]) => Float64Array;
  if (spec.algorithm === 'gbdt') {
    const { model, params: resolved, info } = trainGbdt(dataset, spec.params, {
      rows: split.train,
      ...weighted,
      onIteration: (it) => report(0.05 + (0.9 * it.iteration) / it.maxIterations, `tree ${it.iteration}/${it.maxIterations}`, {
        trainLoss: it.trainLoss,
        validationLoss: it.validationLoss,
      }),
    });
    params = { ...resolved };
    iterations = info.iterations;
    predict = (columns) => gbdtProbabilities(model, columns);
    onnx = treeEnsembleOnnx(model, { algorithm: 'gbdt', params: JSON.stringify(resolved) });
  } else {
    const { model, params: resolved, info } = trainLogistic(dataset, spec.params, {
      rows: split.train,
      ...weighted,
      onIteration: (it) => report(0.05 + (0.9 * it.iteration) / it.maxIterations, `Newton iteration ${it.iteration}`, { loss: it.loss }),
    });
    params = { ...resolved };
    iterations = info.iterations;
    predict = (columns) => logisticProbabilities(model, columns);
    onnx = logisticOnnx(logisticAsLinearLogit(model), { algorithm: 'logistic', params: JSON.stringify(resolved) });
  }

  report(0.96, 'evaluating');
  let evaluatedOn: TrainingMetrics['evaluatedOn'] = 'validation';
  let evalSet = holdout;
  if (!hasBothClasses(holdout.labels)) {
    evaluatedOn = 'training';
    evalSet = takeRows(dataset, split.train);
  }
  const probabilities = predict(evalSet.columns);
  const rows = datasetRows(dataset);
  let positives = 0;
  for (let i = 0; i < rows; i++) positives += dataset.labels[i]!;
  const metrics: TrainingMetrics = {
    auc: rocAuc(evalSet.labels, probabilities),
    logLoss: logLoss(evalSet.labels, probabilities),
    brier: brierScore(evalSet.labels, probabilities),
    evaluatedOn,
    rows,
    trainRows: split.train.length,
    validationRows: split.validation.length,
    features: dataset.featureNames.length,
    positiveRate: positives / rows,
    iterations,
    ...(weights && { effectiveTrainRows: effectiveRows(weights, split.train) }),
    seconds: (performance.now() - started) / 1000,
  };
  const result: TrainingResult = { onnx, metrics, algorithm: spec.algorithm, params, featureNames: [...dataset.featureNames] };
  if (spec.profile !== false) {
    report(0.98, 'profiling features');
    const profile = trainingProfile(dataset, probabilities);
    if (profile) result.profile = profile;
  }
  report(1, 'done', { auc: metrics.auc, logLoss: metrics.logLoss });
  return result;
}

function timesOf(dataset: TrainingDataset): Float64Array {
  if (!dataset.times) throw invalid('recencyHalfLife: the dataset has no time column to weigh rows by age');
  return dataset.times;
}

function hasBothClasses(labels: Uint8Array): boolean {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  return positives > 0 && positives < labels.length;
}

// ---- worker thread ----

/** What the worker receives: the data itself, or a file for it to load. */
export type WorkerInput = { spec: TrainingSpec } & ({ dataset: TrainingDataset } | { source: DatasetSource });

export type WorkerMessage =
  | ({ type: 'progress' } & TrainingProgress)
  | { type: 'result'; result: TrainingResult }
  | { type: 'error'; error: { name: string; message: string; code?: ErrorCode; details?: unknown } };

export class TrainingCancelledError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

export interface TrainingRun {
  /** Resolves with the result; rejects with TrainingCancelledError after cancel(), DomainError for bad input. */
  result: Promise<TrainingResult>;
  /** Terminates the worker now. */
  cancel(): Promise<void>;
}

export interface WorkerOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Move the dataset's buffers into the worker instead of copying them (the caller's arrays become empty). */
  transfer?: boolean;
  /** Heap limit of the worker in MB (V8 old generation); typed arrays live outside it. */
  maxOldGenerationSizeMb?: number;
}

/** The worker's file beside this one: worker.ts when running from source (type stripping), worker.js when built. */
export const workerUrl = (): URL => new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Trains a dataset in a worker thread. */
export function trainInWorker(dataset: TrainingDataset, spec: TrainingSpec, options: WorkerOptions = {}): TrainingRun {
  const transferList = options.transfer ? uniqueBuffers([...dataset.columns, dataset.labels]) : [];
  return startWorker({ spec, dataset }, transferList, options);
}

/** Loads a dataset file inside the worker (no parsing on the caller's thread) and trains it. */
export function trainFileInWorker(source: DatasetSource, spec: TrainingSpec, options: WorkerOptions = {}): TrainingRun {
  return startWorker({ spec, source }, [], options);
}

function startWorker(input: WorkerInput, transferList: ArrayBuffer[], options: WorkerOptions): TrainingRun {
  const worker = new Worker(workerUrl(), {
    workerData: input,
    transferList,
    resourceLimits: options.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } : {},
  });
  let settled = false;
  let cancelled = false;
  let rejectRun: (error: Error) => void = () => {};
  const result = new Promise<TrainingResult>((resolve, reject) => {
    rejectRun = reject;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        const { type: _type, ...progress } = message;
        options.onProgress?.(progress);
      } else if (message.type === 'result') {
        finish(() => resolve(message.result));
        void worker.terminate();
      } else {
        const { name, message: text, code, details } = message.error;
        const error = code ? new DomainError(code, text, details) : Object.assign(new Error(text), { name });
        finish(() => reject(error));
        void worker.terminate();
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => {
      finish(() => reject(cancelled ? new TrainingCancelledError() : new Error(`training worker exited with code ${code}`)));
    });
  });
  const cancel = async (): Promise<void> => {
    if (settled) return;
    cancelled = true;
    await worker.terminate();
    if (!settled) {
      settled = true;
      rejectRun(new TrainingCancelledError());
    }
  };
  const onAbort = (): void => void cancel();
  if (options.signal?.aborted) void cancel();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  return { result, cancel };
}

function uniqueBuffers(arrays: ArrayBufferView[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer) seen.add(a.buffer);
  }
  return [...seen];
}
