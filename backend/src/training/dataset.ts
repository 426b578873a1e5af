import { invalid } from '../core/errors.ts';
import { createRng, permutation } from '../core/random.ts';

/**
 * A labelled binary-classification dataset in columns. Numeric features only, in the
 * model's declared order: that order is the column order of the ONNX input "features".
 * NaN marks a missing value. Columns and labels all have the same length (the row count).
 */
export interface TrainingDataset {
  featureNames: string[];
  columns: Float64Array[];
  /** 0 or 1 per row. */
  labels: Uint8Array;
  /** When each row happened (ms since the epoch): only when the loader was given a time column. */
  times?: Float64Array;
}

/** What every trainer accepts besides the dataset and its parameters. */
export interface TrainerOptions<Report> {
  /** Train on these rows only (ascending indices); all rows when absent. */
  rows?: Uint32Array;
  /** A weight > 0 per dataset row (indexed like the labels): each row's share of the loss. All 1 when absent. */
  weights?: Float64Array;
  /** Called after each iteration; may throw to abort the training. */
  onIteration?: (report: Report) => void;
}

export const datasetRows = (dataset: TrainingDataset): number => dataset.labels.length;

/** Throws `invalid_argument` unless the dataset can be trained on (both classes present). */
export function validateDataset(dataset: TrainingDataset): void {
  const { featureNames, columns, labels } = dataset;
  if (featureNames.length === 0) throw invalid('featureNames: at least one feature is needed');
  if (columns.length !== featureNames.length) {
    throw invalid(`columns: ${columns.length} columns for ${featureNames.length} feature names`);
  }
  if (new Set(featureNames).size !== featureNames.length) throw invalid('featureNames: names must be unique');
  columns.forEach((column, j) => {
    if (column.length !== labels.length) {
      throw invalid(`columns: feature ${featureNames[j]} has ${column.length} values for ${labels.length} labels`);
    }
  });
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y > 1) throw invalid(`labels: row ${i} has label ${y}; labels must be 0 or 1`);
    positives += y;
  }
  if (positives === 0 || positives === labels.length) {
    throw invalid('labels: both classes (0 and 1) must occur to train a classifier');
  }
}

export interface RowSplit {
  /** Row indices, ascending. */
  train: Uint32Array;
  /** Row indices, ascending; empty when fraction is 0. */
  validation: Uint32Array;
}

/**
 * Seeded split stratified by label, so that both parts keep the class ratio and a
 * validation part holds at least one row of each class whenever the fraction is above 0.
 */
export function splitRows(labels: Uint8Array, validationFraction: number, seed: number): RowSplit {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw invalid('validationFraction: must be in [0, 1)');
  }
  const rng = createRng(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    if (members.length === 0) continue;
    const order = permutation(members.length, rng);
    let nValid = Math.round(members.length * validationFraction);
    if (validationFraction > 0 && members.length >= 2) nValid = Math.min(members.length - 1, Math.max(1, nValid));
    for (let k = 0; k < members.length; k++) (k < nValid ? validation : train).push(members[order[k]!]!);
  }
  return {
    train: Uint32Array.from(train).sort(),
    validation: Uint32Array.from(validation).sort(),
  };
}

/** The rows at `indices`, copied into a new dataset. */
export function takeRows(dataset: TrainingDataset, indices: Uint32Array): TrainingDataset {
  const n = indices.length;
  const columns = dataset.columns.map((column) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = column[indices[i]!]!;
    return out;
  });
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = dataset.labels[indices[i]!]!;
  return { featureNames: [...dataset.featureNames], columns, labels };
}
