/**
 * `abtest(input)`: the stateless two-arm comparison behind `POST /api/v1/stats/abtest`.
 *
 * Tests (two-sided, H0: no difference):
 * - metric "mean": Welch's unequal-variance t-test, Welch–Satterthwaite df (matches
 *   scipy.stats.ttest_ind_from_stats(equal_var=False)); CI effect ± t_{1−α/2, df}·SE.
 * - metric "proportion": the unpooled (Wald) z-test, SE² = p_T(1−p_T)/n_T + p_C(1−p_C)/n_C,
 *   normal reference; CI effect ± z_{1−α/2}·SE. Unpooled so that the test and the CI use the
 *   same SE (the pooled test can disagree with its own CI).
 * - difference "relative": lift (m_T − m_C)/m_C with a delta-method SE, same reference
 *   distribution as above (as gbstats does).
 * - sequential: the CI becomes an always-valid confidence sequence and the p-value an
 *   always-valid p-value (see sequential.ts).
 *
 * Degenerate inputs never produce NaN/Infinity: an empty or too-small arm, a zero control
 * mean with a relative difference, or zero variance in both arms yields a neutral result
 * (effect/CI at the point estimate, pValue 1, not significant, chanceToWin 0.5) with
 * `status` and `reason` saying why. Malformed input throws DomainError('invalid_argument').
 */
import { invalid } from '../../core/errors.ts';
import { gaussianPosterior, type Direction } from './bayesian.ts';
import { normalTwoSidedP, studentTTwoSidedP, twoSidedCritical } from '../distributions.ts';
import { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Difference, type EffectEstimate } from './effect.ts';
import { alwaysValidPValue, confidenceSequenceHalfWidth, DEFAULT_SEQUENTIAL_TUNING } from './sequential.ts';
import { ratioMoments, type UnitRatioSums } from './ratio.ts';
import { armMoments, minimumArmSize, validateArm, type ArmMoments, type ArmSummary, type MetricKind } from './summary.ts';

export interface AbTestInput {
  metric: MetricKind;
  control: ArmSummary;
  treatment: ArmSummary;
  /** Significance level, default 0.05. */
  alpha?: number;
  /** Present: always-valid inference with tuning parameter N* (default 5000). */
  sequential?: { tuning?: number } | boolean;
  /** Default "relative" (GrowthBook's default); "absolute" is treatment − control in metric units. */
  difference?: Difference;
  /** Which way is better for chanceToWin and expected loss; default "higher". */
  direction?: Direction;
}

export type AbTestStatus = 'ok' | 'insufficient_data' | 'zero_control_mean' | 'zero_variance';

export interface AbTestResult {
  effect: number;
  ci: [number, number];
  se: number;
  pValue: number;
  significant: boolean;
  chanceToWin: number;
  status: AbTestStatus;
  reason?: string;
  metric: MetricKind;
  difference: Difference;
  direction: Direction;
  alpha: number;
  /** "welch_t" for means, "z_unpooled" for proportions. */
  test: 'welch_t' | 'z_unpooled';
  /** Welch–Satterthwaite df; null for the z-test or when undefined. */
  df: number | null;
  /** effect / se (t or z); 0 when se is 0. */
  statistic: number;
  sequential: { tuning: number } | null;
  credibleInterval: [number, number];
  expectedLoss: { treatment: number; control: number };
  control: ArmMoments;
  treatment: ArmMoments;
  /** Both scales, whatever `difference` picked; relative is null when the control mean is 0. */
  absolute: EffectEstimate;
  relative: EffectEstimate | null;
}

export interface ResolvedOptions {
  alpha: number;
  difference: Difference;
  direction: Direction;
  tuning: number | null;
}

/** Validates options; throws DomainError naming the field. */
export function resolveOptions(input: Pick<AbTestInput, 'alpha' | 'sequential' | 'difference' | 'direction'>): ResolvedOptions {
  const alpha = input.alpha ?? 0.05;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw invalid(`alpha must be a number in (0, 1), got ${String(input.alpha)}`);
  }
  const difference = input.difference ?? 'relative';
  if (difference !== 'relative' && difference !== 'absolute') {
    throw invalid(`difference must be "relative" or "absolute", got ${String(input.difference)}`);
  }
  const direction = input.direction ?? 'higher';
  if (direction !== 'higher' && direction !== 'lower') {
    throw invalid(`direction must be "higher" or "lower", got ${String(input.direction)}`);
  }
  let tuning: number | null = null;
  const seq = input.sequential;
  if (seq === true) tuning = DEFAULT_SEQUENTIAL_TUNING;
  else if (seq !== undefined && seq !== false && seq !== null) {
    if (typeof seq !== 'object') throw invalid('sequential must be an object {"tuning"?: number} or a boolean');
    tuning = seq.tuning ?? DEFAULT_SEQUENTIAL_TUNING;
    if (typeof tuning !== 'number' || !Number.isFinite(tuning) || tuning <= 0) {
      throw invalid(`sequential.tuning must be a positive number, got ${String(seq.tuning)}`);
    }
  }
  return { alpha, difference, direction, tuning };
}

export function abtest(input: AbTestInput): AbTestResult {
  if (input === null || typeof input !== 'object') throw invalid('body must be an object');
  const { metric } = input;
  if (metric !== 'proportion' && metric !== 'mean') {
    throw invalid(`metric must be "proportion" or "mean", got ${String(metric)}`);
  }
  validateArm(input.control, metric, 'control');
  validateArm(input.treatment, metric, 'treatment');
  return compareMoments(metric, armMoments(input.control, metric), armMoments(input.treatment, metric), resolveOptions(input));
}

/**
 * The ratio Σy/Σx compared by randomization unit (ratio.ts): Welch's t over the units'
 * linearised values, so n, the SE, the sequential p-value and the posterior are per unit.
 * Reported with metric "mean" and test "welch_t".
 */
export function abtestUnits(input: Omit<AbTestInput, 'metric' | 'control' | 'treatment'> & { control: UnitRatioSums; treatment: UnitRatioSums }): AbTestResult {
  return compareMoments('mean', ratioMoments(input.control), ratioMoments(input.treatment), resolveOptions(input));
}

/** The comparison of two arms' moments (validated options). */
export function compareMoments(metric: MetricKind, control: ArmMoments, treatment: ArmMoments, options: ResolvedOptions): AbTestResult {
  const absolute = absoluteEffect(control, treatment);
  const lift = control.n > 0 && control.mean !== 0 ? relativeEffect(control, treatment) : null;
  // A control mean so close to 0 that the lift overflows counts as zero.
  const relative = lift !== null && Number.isFinite(lift.effect) && Number.isFinite(lift.se) ? lift : null;
  const base = {
    metric,
    difference: options.difference,
    direction: options.direction,
    alpha: options.alpha,
    test: metric === 'mean' ? ('welch_t' as const) : ('z_unpooled' as const),
    sequential: options.tuning === null ? null : { tuning: options.tuning },
    control,
    treatment,
    absolute: control.n > 0 && treatment.n > 0 ? absolute : { effect: 0, se: 0 },
    relative: treatment.n > 0 ? relative : null,
  };

  const minN = minimumArmSize(metric);
  if (control.n < minN || treatment.n < minN) {
    return neutral(base, 0, 'insufficient_data', `each arm needs n ≥ ${minN} for metric "${metric}" (control ${control.n}, treatment ${treatment.n})`);
  }
  const estimate = options.difference === 'relative' ? relative : absolute;
  if (estimate === null) {
    return neutral(base, 0, 'zero_control_mean', 'the control mean is 0, so the relative lift is undefined; use difference "absolute"');
  }
  if (!(estimate.se > 0) || !Number.isFinite(estimate.se)) {
    return neutral(base, estimate.effect, 'zero_variance', 'the estimated standard error is 0 (no variation in the data the estimate depends on), so no test is possible; collect more data');
  }

  const df = metric === 'mean' ? welchDegreesOfFreedom(control, treatment) : Infinity;
  const { effect, se } = estimate;
  const statistic = effect / se;
  let pValue: number;
  let half: number;
  if (options.tuning === null) {
    pValue = Number.isFinite(df) ? studentTTwoSidedP(statistic, df) : normalTwoSidedP(statistic);
    half = twoSidedCritical(options.alpha, df) * se;
  } else {
    const n = control.n + treatment.n;
    pValue = alwaysValidPValue(effect, se, n, options.alpha, options.tuning);
    half = confidenceSequenceHalfWidth(se, n, options.alpha, options.tuning);
  }
  const posterior = gaussianPosterior(effect, se, options.alpha, options.direction);
  return {
    ...base,
    effect,
    ci: [effect - half, effect + half],
    se,
    pValue,
    significant: pValue < options.alpha,
    chanceToWin: posterior.chanceToWin,
    status: 'ok',
    df: Number.isFinite(df) ? df : null,
    statistic,
    credibleInterval: posterior.credibleInterval,
    expectedLoss: posterior.expectedLoss,
  };
}

type Base = Omit<AbTestResult, 'effect' | 'ci' | 'se' | 'pValue' | 'significant' | 'chanceToWin' | 'status' | 'reason' | 'df' | 'statistic' | 'credibleInterval' | 'expectedLoss'>;

function neutral(base: Base, effect: number, status: AbTestStatus, reason: string): AbTestResult {
  return {
    ...base,
    effect,
    ci: [effect, effect],
    se: 0,
    pValue: 1,
    significant: false,
    chanceToWin: 0.5,
    status,
    reason,
    df: null,
    statistic: 0,
    credibleInterval: [effect, effect],
    expectedLoss: { treatment: 0, control: 0 },
  };
}
