/**
 * Prediction (score) drift: the score histogram of a window (rollup.ts SCORE_BINS bins on
 * [0, 1] + missing) against that of a reference window, by the feature-drift methods that fit
 * binned numeric data (stats/drift): PSI, binned KS (with p-value) and Jensen–Shannon, each
 * judged by its default threshold (DEFAULT_THRESHOLDS). Records without a score (the missing
 * slot) are left out. Exported by quality-snapshot.ts: the last hour against the 24 hours before.
 */
import { DEFAULT_THRESHOLDS, jensenShannonDistance, ksBinned, psi } from '../stats/drift/index.ts';
import { SCORE_BINS } from './rollup.ts';

export interface ScoreDrift {
  /** Scored records in each window. */
  n: { reference: number; current: number };
  psi: number;
  ks: number;
  ksPValue: number;
  jensenShannon: number;
  /** Any method past its threshold (PSI ≥ 0.2, KS p < 0.05, JS ≥ 0.1). */
  drifted: boolean;
}

/** Score drift of `current` against `reference` (both SCORE_BINS + 1 counts); null when a side has no scores. */
export function scoreDrift(reference: Float64Array, current: Float64Array): ScoreDrift | null {
  const ref = reference.subarray(0, SCORE_BINS);
  const cur = current.subarray(0, SCORE_BINS);
  let n0 = 0;
  let n1 = 0;
  for (let i = 0; i < SCORE_BINS; i++) {
    n0 += ref[i] as number;
    n1 += cur[i] as number;
  }
  if (!(n0 > 0 && n1 > 0)) return null;
  const ks = ksBinned(reference, current);
  const p = psi(ref, cur);
  const js = jensenShannonDistance(ref, cur);
  return {
    n: { reference: n0, current: n1 },
    psi: p,
    ks: ks.statistic,
    ksPValue: ks.pValue,
    jensenShannon: js,
    drifted: p >= DEFAULT_THRESHOLDS.psi || ks.pValue < DEFAULT_THRESHOLDS.ks || js >= DEFAULT_THRESHOLDS.jensen_shannon,
  };
}
