/**
 * Per-arm summary statistics, the only input the A/B statistics need: counts stay O(1) no
 * matter how much traffic an arm saw, and they merge by addition.
 */
import { invalid } from '../../core/errors.ts';

export type MetricKind = 'proportion' | 'mean';

/** One arm: n units, the sum of the metric and (for means) the sum of its squares. */
export interface ArmSummary {
  n: number;
  sum: number;
  /** Required for means; for proportions it equals `sum` (0/1 outcomes) and may be omitted. */
  sumSquares?: number;
}

/** Mean and per-unit variance of one arm. */
export interface ArmMoments {
  n: number;
  mean: number;
  /**
   * Proportions: p(1 − p), the unpooled (Wald) variance of a Bernoulli outcome.
   * Means: the unbiased sample variance (sumSquares − sum²/n)/(n − 1), 0 when n < 2.
   */
  variance: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Relative slack allowed for rounding in client-side sums (e.g. sumSquares slightly < sum²/n). */
const ROUNDING = 1e-9;

/** Throws DomainError('invalid_argument') naming the field when an arm cannot be valid. */
export function validateArm(arm: ArmSummary, kind: MetricKind, field: string): void {
  if (arm === null || typeof arm !== 'object') throw invalid(`${field} must be an object {n, sum, sumSquares?}`);
  const { n, sum, sumSquares } = arm;
  if (!finite(n) || n < 0 || !Number.isInteger(n)) {
    throw invalid(`${field}.n must be a non-negative integer, got ${String(n)}`);
  }
  if (!finite(sum)) throw invalid(`${field}.sum must be a finite number, got ${String(sum)}`);
  if (sumSquares !== undefined && !finite(sumSquares)) {
    throw invalid(`${field}.sumSquares must be a finite number when given, got ${String(sumSquares)}`);
  }
  if (kind === 'proportion') {
    if (sum < 0 || sum > n) throw invalid(`${field}.sum (successes) must be between 0 and ${field}.n (${n}), got ${sum}`);
    if (sumSquares !== undefined && Math.abs(sumSquares - sum) > ROUNDING * Math.max(1, sum)) {
      throw invalid(`${field}.sumSquares must equal ${field}.sum for a proportion (0/1 outcomes), got ${sumSquares} vs ${sum}`);
    }
    return;
  }
  if (sumSquares === undefined) throw invalid(`${field}.sumSquares is required for metric "mean"`);
  if (sumSquares < 0) throw invalid(`${field}.sumSquares must be ≥ 0, got ${sumSquares}`);
  if (n === 0 && (sum !== 0 || sumSquares !== 0)) {
    throw invalid(`${field}: with n = 0, sum and sumSquares must be 0`);
  }
  if (n > 0) {
    const centred = sumSquares - (sum * sum) / n;
    if (centred < -ROUNDING * Math.max(1, sumSquares)) {
      throw invalid(`${field}.sumSquares (${sumSquares}) is below sum²/n (${(sum * sum) / n}); the variance would be negative`);
    }
  }
}

/** Mean and variance of a validated arm; an empty arm has mean 0 and variance 0. */
export function armMoments(arm: ArmSummary, kind: MetricKind): ArmMoments {
  const { n, sum } = arm;
  if (n === 0) return { n, mean: 0, variance: 0 };
  const mean = sum / n;
  if (kind === 'proportion') return { n, mean, variance: Math.max(0, mean * (1 - mean)) };
  if (n < 2) return { n, mean, variance: 0 };
  const sumSquares = arm.sumSquares ?? 0;
  return { n, mean, variance: Math.max(0, (sumSquares - sum * mean) / (n - 1)) };
}

/** The smallest n per arm the test needs: 1 for proportions, 2 for means (sample variance). */
export function minimumArmSize(kind: MetricKind): number {
  return kind === 'proportion' ? 1 : 2;
}
