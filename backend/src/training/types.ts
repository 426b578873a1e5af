import type { ReferenceProfile } from '../core/profile-types.ts';
import type { GbdtParams } from './gbdt/params.ts';
import type { LogisticParams } from './logistic.ts';

export const algorithms = ['gbdt', 'logistic'] as const;
export type Algorithm = (typeof algorithms)[number];

interface SpecCommon {
  /** Share of rows held out (stratified) to compute the reported metrics; default 0.2. */
  validationFraction?: number;
  /** Seed of the hold-out split; the algorithm's own seed is in its params. Default 0. */
  seed?: number;
  /** Emit a reference profile of the dataset (default true). */
  profile?: boolean;
  /**
   * Recency weighting: a row's weight halves every this many ms of age behind the newest row
   * (training/recency.ts); needs the dataset's `times`. Absent: every row weighs the same.
   */
  recencyHalfLifeMs?: number;
}

export type TrainingSpec =
  | (SpecCommon & { algorithm: 'gbdt'; params?: Partial<GbdtParams> })
  | (SpecCommon & { algorithm: 'logistic'; params?: Partial<LogisticParams> });

/** Posted while a training runs. Metrics hold finite numbers only. */
export interface TrainingProgress {
  /** 0..1 */
  progress: number;
  message: string;
  metrics: Record<string, number>;
}

export interface TrainingMetrics {
  /** ROC AUC, log loss and Brier score on the hold-out rows (see evaluatedOn). */
  auc: number;
  logLoss: number;
  brier: number;
  /** 'training' only when the hold-out lacks a class (tiny datasets); then the figures are optimistic. */
  evaluatedOn: 'validation' | 'training';
  rows: number;
  trainRows: number;
  validationRows: number;
  features: number;
  positiveRate: number;
  /** Boosting iterations (trees) or Newton iterations. */
  iterations: number;
  /** With recency weights: the training rows' effective count (Σw)²/Σw². The hold-out figures above are unweighted. */
  effectiveTrainRows?: number;
  seconds: number;
}

export interface TrainingResult {
  /** The model, following the registry's ONNX artifact contract. */
  onnx: Uint8Array;
  metrics: TrainingMetrics;
  algorithm: Algorithm;
  /** Every parameter, defaults filled in. */
  params: Record<string, unknown>;
  featureNames: string[];
  /** Reference profile of the whole dataset, with the hold-out score histogram; absent when spec.profile is false or a feature has no finite value. */
  profile?: ReferenceProfile;
}
