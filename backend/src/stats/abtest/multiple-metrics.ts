/**
 * Several metrics in one experiment: each gets its own test, then the p-values are corrected
 * together (Holm controls the family-wise error rate, Benjamini–Hochberg the false discovery
 * rate) with stats/multiple-testing.ts. Intervals are not widened: they stay per-metric.
 */
import { invalid } from '../../core/errors.ts';
import { adjustPValues, type Correction } from '../multiple-testing.ts';
import { abtest, type AbTestInput, type AbTestResult } from './abtest.ts';

export interface NamedResult {
  name: string;
  result: AbTestResult;
}

export interface CorrectedResult extends NamedResult {
  adjustedPValue: number;
  /** adjustedPValue < alpha. */
  significant: boolean;
}

const CORRECTIONS: readonly Correction[] = ['none', 'bonferroni', 'holm', 'benjamini_hochberg'];

export function correctForMultipleMetrics(results: readonly NamedResult[], correction: Correction, alpha = 0.05): CorrectedResult[] {
  if (!CORRECTIONS.includes(correction)) throw invalid(`correction must be one of ${CORRECTIONS.join(', ')}, got ${String(correction)}`);
  if (!(alpha > 0 && alpha < 1)) throw invalid(`alpha must be in (0, 1), got ${alpha}`);
  const adjusted = adjustPValues(results.map((r) => r.result.pValue), correction);
  return results.map((r, i) => {
    const adjustedPValue = adjusted[i] as number;
    return { ...r, adjustedPValue, significant: adjustedPValue < alpha };
  });
}

/** Runs abtest on each metric, then corrects the family. */
export function analyzeMetrics(
  metrics: readonly { name: string; input: AbTestInput }[],
  correction: Correction = 'holm',
  alpha = 0.05,
): CorrectedResult[] {
  return correctForMultipleMetrics(
    metrics.map((m) => ({ name: m.name, result: abtest({ alpha, ...m.input }) })),
    correction,
    alpha,
  );
}
