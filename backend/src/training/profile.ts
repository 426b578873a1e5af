/**
 * The reference profile a training emits (source "trainer"): per-feature histograms with the
 * monitor's own builder, so the layout is exactly what drift monitoring expects, plus the
 * histogram of the model's scores on the hold-out rows.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import { buildNumericProfile } from '../stats/profile.ts';
import { SCORE_BINS, SCORE_EDGES, scoreBin } from '../monitor/rollup.ts';
import type { TrainingDataset } from './dataset.ts';

/**
 * NaN and ±Infinity count as missing (the monitor refuses non-finite values at ingest, so
 * they can never be compared against anything else). Null when a feature has no finite value
 * at all: the monitor's profile layout has no form for that.
 */
export function trainingProfile(
  dataset: TrainingDataset,
  scores: ArrayLike<number>,
  createdAt = new Date().toISOString(),
): ReferenceProfile | null {
  if (dataset.columns.some((column) => !column.some((v) => Number.isFinite(v)))) return null;
  const features = dataset.featureNames.map((name, j) =>
    buildNumericProfile(name, Array.from(dataset.columns[j]!, (v) => (Number.isFinite(v) ? v : null))),
  );
  const counts = new Array<number>(SCORE_BINS + 1).fill(0);
  for (let i = 0; i < scores.length; i++) counts[scoreBin(scores[i])]!++;
  return {
    format: 1,
    source: 'trainer',
    rows: dataset.labels.length,
    createdAt,
    features,
    score: { edges: [...SCORE_EDGES], counts },
  };
}
