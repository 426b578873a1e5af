/**
 * The built-in runner: the TypeScript trainer (training/) in a worker thread, reading the
 * exported training CSV itself. GBDT by default; `params.algorithm: 'logistic'` for
 * logistic regression; `params.recencyHalfLife` (`3d`, ms) weighs rows by age
 * (training/recency.ts); every other param goes to the algorithm (validated there).
 */
import { formatDuration, parseDuration } from '../core/duration.ts';
import { invalid } from '../core/errors.ts';
import { resolveGbdtParams } from '../training/gbdt/params.ts';
import { resolveLogisticParams } from '../training/logistic.ts';
import { trainFileInWorker, TrainingCancelledError } from '../training/train.ts';
import { algorithms, type Algorithm, type TrainingSpec } from '../training/types.ts';
import type { Feature } from '../models/model-schemas.ts';
import { TS_COLUMN } from './dataset.ts';
import { JobFailure } from './job-types.ts';
import type { RunnerInput, RunnerOutput } from './runner-types.ts';

/** Parses and checks built-in params (request-time: a bad param is a 400, not a failed job). */
export function builtinSpec(params: Record<string, unknown>): TrainingSpec {
  const { algorithm = 'gbdt', recencyHalfLife, ...rest } = params;
  if (typeof algorithm !== 'string' || !(algorithms as readonly string[]).includes(algorithm)) {
    throw invalid(`params.algorithm: one of ${algorithms.join(', ')} for the built-in runner`);
  }
  const halfLife = recencyHalfLife === undefined ? undefined : parseDuration(recencyHalfLife);
  if (recencyHalfLife !== undefined && halfLife === undefined) {
    throw invalid('params.recencyHalfLife: a duration > 0 (`12h`, `3d`, or milliseconds): a row\'s weight halves with every half-life of age');
  }
  const recency = halfLife === undefined ? {} : { recencyHalfLifeMs: halfLife };
  if ((algorithm as Algorithm) === 'logistic') {
    resolveLogisticParams(rest);
    return { algorithm: 'logistic', params: rest, ...recency };
  }
  resolveGbdtParams(rest);
  return { algorithm: 'gbdt', params: rest, ...recency };
}

/** The features the built-in trainer takes: the numeric ones, in declared order (the ONNX tensor contract). */
export function builtinFeatures(features: readonly Feature[]): string[] {
  return features.filter((f) => f.type === 'numeric').map((f) => f.name);
}

export async function runBuiltin(input: RunnerInput): Promise<RunnerOutput> {
  const features = builtinFeatures(input.model.features);
  if (!features.length) {
    throw new JobFailure(`model "${input.model.name}" declares no numeric features; the built-in trainer needs some (use the command runner)`, false);
  }
  const spec = builtinSpec(input.params);
  const weighting = spec.recencyHalfLifeMs === undefined ? '' : `, rows weighted by age (half-life ${formatDuration(spec.recencyHalfLifeMs)})`;
  input.log(`built-in trainer: ${spec.algorithm} on ${features.length} numeric features (${features.join(', ')})${weighting}`, 'system');
  const run = trainFileInWorker(
    {
      path: input.dataset.trainCsv,
      format: 'csv',
      label: input.dataset.manifest.labelColumn,
      features,
      ...(spec.recencyHalfLifeMs !== undefined && { time: TS_COLUMN }),
    },
    spec,
    { signal: input.signal, onProgress: (p) => input.progress({ progress: p.progress, message: p.message, metrics: p.metrics }) },
  );
  try {
    const result = await run.result;
    const { seconds, ...metrics } = result.metrics;
    input.log(`trained in ${seconds.toFixed(2)} s: AUC ${result.metrics.auc.toFixed(4)}, log loss ${result.metrics.logLoss.toFixed(4)} (${result.metrics.evaluatedOn} rows)`, 'system');
    return {
      onnx: result.onnx,
      metrics: {
        ...metrics,
        trainingSeconds: seconds,
        algorithm: result.algorithm,
        params: result.params,
        trainer: 'builtin',
        ...(spec.recencyHalfLifeMs !== undefined && { recencyHalfLifeMs: spec.recencyHalfLifeMs }),
      },
    };
  } catch (error) {
    if (error instanceof TrainingCancelledError && input.signal.aborted) throw input.signal.reason;
    throw error;
  }
}
