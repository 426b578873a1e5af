/**
 * The validation gate: before a retrained version may serve, it is compared with the
 * champion on the same held-out recent labelled rows (never trained on). `judgeGate` is the
 * pure rule; `scoreRows` feeds rows through an ONNX session the way serving does.
 */
import type { ModelSession } from '../onnx/onnx-session.ts';
import { delongSuperiority, delongTest, logLoss, rocAuc } from '../stats/classification.ts';
import { categoricalCell, numericCell } from './dataset.ts';
import type { GateRule } from './retrain-settings.ts';

export interface GateScores {
  auc: number;
  logLoss: number;
}

export interface GateResult {
  status: 'passed' | 'failed';
  /** Why it failed (empty when it passed). */
  reasons: string[];
  /** Things worth knowing that did not decide the verdict. */
  notes: string[];
  rule: GateRule;
  rows: number;
  positives: number;
  negatives: number;
  candidate: GateScores | null;
  champion: (GateScores & { version: string }) | null;
  /** DeLong test of candidate AUC − champion AUC (null without a champion). */
  delong: { difference: number; se: number; z: number | null; pValue: number; ci: [number, number]; confidence: number } | null;
  /** Candidate log loss / champion log loss − 1 (null without a champion). */
  logLossChange: number | null;
  /** policy superiority: DeLong's one-sided test of gain > minAucGain (null otherwise, or without a champion). */
  superiority: { margin: number; alpha: number; z: number | null; pValue: number; lower: number; superior: boolean } | null;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Scores in [0, 1] for log loss: clipped; a non-finite score is an error of the model. */
function asProbabilities(scores: ArrayLike<number>): { probabilities: Float64Array; nonFinite: number } {
  const probabilities = new Float64Array(scores.length);
  let nonFinite = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) {
      nonFinite++;
      probabilities[i] = 0.5;
    } else probabilities[i] = Math.min(1, Math.max(0, s));
  }
  return { probabilities, nonFinite };
}

/**
 * Judges a candidate against the champion (or, without one, against the absolute AUC floor).
 * Pass rule, policy non_inferiority: AUC ≥ champion AUC − maxAucDrop and (optionally) not
 * significantly worse by DeLong; policy superiority: AUC − champion AUC > minAucGain by
 * DeLong's one-sided test at alpha. Both: log loss ≤ champion log loss ×
 * (1 + maxLogLossIncrease). Too few held-out rows of either class fails: a version nobody
 * could judge does not serve.
 */
export function judgeGate(
  labels: ArrayLike<number>,
  candidateScores: ArrayLike<number>,
  champion: { version: string; scores: ArrayLike<number> } | undefined,
  rule: GateRule,
): GateResult {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  const negatives = labels.length - positives;
  const result: GateResult = {
    status: 'failed',
    reasons: [],
    notes: [],
    rule,
    rows: labels.length,
    positives,
    negatives,
    candidate: null,
    champion: null,
    delong: null,
    logLossChange: null,
    superiority: null,
  };
  if (positives < rule.minPositives || negatives < rule.minNegatives) {
    result.reasons.push(
      `the held-out rows hold ${positives} positives and ${negatives} negatives; the gate needs at least ${rule.minPositives} and ${rule.minNegatives} to judge (widen the retrain window or wait for more labelled traffic)`,
    );
    return result;
  }
  const cand = asProbabilities(candidateScores);
  if (cand.nonFinite) result.reasons.push(`the candidate produced ${cand.nonFinite} non-finite scores`);
  result.candidate = { auc: round(rocAuc(labels, cand.probabilities)), logLoss: round(logLoss(labels, cand.probabilities)) };

  if (!champion) {
    if (result.candidate.auc < rule.minAuc) {
      result.reasons.push(`no champion to compare with, and the candidate's AUC ${result.candidate.auc} is below the floor ${rule.minAuc}`);
    }
    result.status = result.reasons.length ? 'failed' : 'passed';
    return result;
  }

  const champ = asProbabilities(champion.scores);
  if (champ.nonFinite) result.notes.push(`the champion produced ${champ.nonFinite} non-finite scores (counted as 0.5)`);
  const championScores = { auc: rocAuc(labels, champ.probabilities), logLoss: logLoss(labels, champ.probabilities) };
  result.champion = { version: champion.version, auc: round(championScores.auc), logLoss: round(championScores.logLoss) };
  const test = delongTest(labels, cand.probabilities, champ.probabilities);
  result.delong = {
    difference: round(test.difference),
    se: round(test.se),
    z: test.z === null ? null : round(test.z),
    pValue: round(test.pValue),
    ci: [round(test.ci[0]), round(test.ci[1])],
    confidence: test.confidence,
  };
  const candidateAuc = rocAuc(labels, cand.probabilities);
  const candidateLoss = logLoss(labels, cand.probabilities);
  if (rule.policy === 'superiority') {
    const sup = delongSuperiority(labels, cand.probabilities, champ.probabilities, rule.minAucGain, rule.alpha);
    result.superiority = { margin: sup.margin, alpha: sup.alpha, z: sup.z === null ? null : round(sup.z), pValue: round(sup.pValue), lower: round(sup.lower), superior: sup.superior };
    if (!sup.superior) {
      result.reasons.push(
        `superiority: the AUC gain ${round(sup.difference)} over the champion's ${round(championScores.auc)} is not shown to exceed ${rule.minAucGain} (DeLong one-sided p = ${result.superiority.pValue} ≥ ${rule.alpha}; lower bound ${result.superiority.lower})`,
      );
    }
  } else if (candidateAuc < championScores.auc - rule.maxAucDrop) {
    result.reasons.push(
      `AUC ${round(candidateAuc)} is below the champion's ${round(championScores.auc)} by more than ${rule.maxAucDrop} (DeLong p = ${result.delong.pValue})`,
    );
  }
  // Relative change; a champion with zero loss (perfect, clipped) compares absolutely.
  const change = championScores.logLoss > 0 ? candidateLoss / championScores.logLoss - 1 : candidateLoss > 0 ? 1 : 0;
  result.logLossChange = round(change);
  if (change > rule.maxLogLossIncrease) {
    result.reasons.push(
      `log loss ${round(candidateLoss)} is ${round(change * 100)}% worse than the champion's ${round(championScores.logLoss)} (allowed: ${round(rule.maxLogLossIncrease * 100)}%)`,
    );
  }
  if (rule.policy === 'non_inferiority' && rule.failIfSignificantlyWorse && test.difference < 0 && test.pValue < rule.alpha) {
    result.reasons.push(`DeLong: the candidate's AUC is significantly lower (p = ${result.delong.pValue} < ${rule.alpha})`);
  }
  result.status = result.reasons.length ? 'failed' : 'passed';
  return result;
}

/** Whether a session can take the row as serving would (numeric features present and finite). */
export function encodable(session: ModelSession, row: Record<string, unknown>): boolean {
  for (const feature of session.plan.features) {
    const value = row[feature.name];
    if (feature.type === 'numeric') {
      if (numericCell(value) === null) return false;
    } else if (value !== undefined && value !== null && categoricalCell(value) === null && value !== '') return false;
  }
  return true;
}

/** Scores rows in batches (the positive-class probability of each). */
export async function scoreRows(session: ModelSession, rows: ReadonlyArray<Record<string, unknown>>, batch = 8192): Promise<Float64Array> {
  const out = new Float64Array(rows.length);
  for (let start = 0; start < rows.length; start += batch) {
    const part = rows.slice(start, start + batch);
    const scores = await session.score(session.encode(part, (i) => `holdout[${start + i}]`));
    out.set(scores, start);
  }
  return out;
}
