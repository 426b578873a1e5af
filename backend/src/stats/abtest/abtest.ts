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
 *   distribution as above (as gbstats does). By randomization unit (abtestUnits) the verdict
 *   is the absolute difference's test and the lift's interval Fieller's (fieller.ts).
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
import { fiellerLiftInterval } from './fieller.ts';
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

export interface CompareOptions extends ResolvedOptions {
  /**
   * How a relative difference is tested. "delta" (default, as gbstats): the z/t-test and the
   * interval of the delta-method lift. "fieller": the test of the absolute difference, and the
   * lift's interval by Fieller (fieller.ts), which excludes 0 exactly when that test rejects —
   * the level holds on clustered, heavy-tailed units where the delta-method lift's does not.
   */
  lift?: 'delta' | 'fieller';
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
 * A relative difference is tested on the absolute difference with Fieller's lift interval
 * (CompareOptions.lift). Reported with metric "mean" and test "welch_t".
 */
export function abtestUnits(input: Omit<AbTestInput, 'metric' | 'control' | 'treatment'> & { control: UnitRatioSums; treatment: UnitRatioSums }): AbTestResult {
  return compareMoments('mean', ratioMoments(input.control), ratioMoments(input.treatment), { ...resolveOptions(input), lift: 'fieller' });
}

/**
 * The comparison of two arms' moments (validated options). `effect`, `se` and `ci` are on the
 * chosen scale; `statistic`, `df` and `pValue` belong to the test that decides (the chosen
 * scale, or the absolute difference under lift "fieller").
 */
export function compareMoments(metric: MetricKind, control: ArmMoments, treatment: ArmMoments, options: CompareOptions): AbTestResult {
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
  const byFieller = options.lift === 'fieller' && options.difference === 'relative';
  const tested = byFieller ? absolute : estimate;
  if (!(estimate.se > 0) || !Number.isFinite(estimate.se) || !(tested.se > 0) || !Number.isFinite(tested.se)) {
    return neutral(base, estimate.effect, 'zero_variance', 'the estimated standard error is 0 (no variation in the data the estimate depends on), so no test is possible; collect more data');
  }

  const df = metric === 'mean' ? welchDegreesOfFreedom(control, treatment) : Infinity;
  const { effect, se } = estimate;
  const statistic = tested.effect / tested.se;
  let pValue: number;
  let critical: number;
  if (options.tuning === null) {
    pValue = Number.isFinite(df) ? studentTTwoSidedP(statistic, df) : normalTwoSidedP(statistic);
    critical = twoSidedCritical(options.alpha, df);
  } else {
    const n = control.n + treatment.n;
    pValue = alwaysValidPValue(tested.effect, tested.se, n, options.alpha, options.tuning);
    // The confidence sequence's half-width per unit of SE.
    critical = confidenceSequenceHalfWidth(1, n, options.alpha, options.tuning);
  }
  const interval = (c: number): [number, number] => (byFieller ? fiellerLiftInterval(control, treatment, c) : null) ?? [effect - c * se, effect + c * se];
  if (byFieller && fiellerLiftInterval(control, treatment, critical) === null) {
    return neutral(base, effect, 'insufficient_data', 'the control mean is not yet distinguishable from 0 at this confidence, so the relative lift has no finite interval (Fieller); collect more data or use difference "absolute"');
  }
  const posterior = gaussianPosterior(effect, se, options.alpha, options.direction);
  return {
    ...base,
    effect,
    ci: interval(critical),
    se,
    pValue,
    significant: pValue < options.alpha,
    // The chance that the treatment is better has the same sign on both scales: take it from the test's.
    chanceToWin: byFieller ? gaussianPosterior(tested.effect, tested.se, options.alpha, options.direction).chanceToWin : posterior.chanceToWin,
    status: 'ok',
    df: Number.isFinite(df) ? df : null,
    statistic,
    credibleInterval: byFieller ? interval(twoSidedCritical(options.alpha, Infinity)) : posterior.credibleInterval,
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
