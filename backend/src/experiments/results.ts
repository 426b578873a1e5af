/**
 * Experiment results from per-arm counts: pure, no I/O (the service gathers the counts).
 *
 * - Every reported metric: per arm n, successes or Σx (and Σx²), the rate or mean; per
 *   treatment arm vs the control (arm 0): effect, CI (confidence sequence when sequential),
 *   always-valid or fixed-horizon p-value, chance to win, expected loss, MDE and time to
 *   decision at the current traffic rate.
 * - Holm-adjusted p-values over the whole family of (metric, treatment arm) comparisons
 *   (`adjustedPValue`, `significantAdjusted`): read the secondary metrics with those.
 * - The unit of analysis (unit-analysis.ts): the randomization unit when predictions carry a
 *   unitId (delta method over units for every metric; SRM on distinct units), else the event
 *   (SRM on impressions, requests when none are logged), against the weight periods' mix.
 * - Decision per treatment arm with decide(): primary significance (Holm-adjusted across the
 *   treatment arms when there are several — with two arms it is the plain test, exactly the
 *   pure function's), guardrail non-inferiority on the CIs, SRM. The experiment's
 *   recommendation combines the arms: any promote → promote the best of them; every arm
 *   rollback → rollback; any keep_running → keep_running; else inconclusive.
 *
 * A proportion guardrail whose arms all have the same outcome (typically: no errors at all)
 * has a Wald SE of 0 and could never show non-inferiority; it is judged on Agresti–Caffo
 * counts (+1 success, +1 failure per arm) instead, and a note says so.
 *
 * The primary's decision is not penalised for the secondary metrics: the primary is the one
 * hypothesis chosen in advance, guardrails are judged on their intervals, and secondary
 * metrics only inform.
 */
import { adjustPValues } from '../stats/multiple-testing.ts';
import { abtest, type AbTestResult } from '../stats/abtest/abtest.ts';
import type { Direction } from '../stats/abtest/bayesian.ts';
import type { Difference } from '../stats/abtest/effect.ts';
import type { GuardrailVerdict } from '../stats/abtest/guardrails.ts';
import { timeToDecision } from '../stats/abtest/power.ts';
import { decide, type Recommendation } from './decision.ts';
import type { Experiment } from './experiment-store.ts';
import { metricDefinition, type ArmCounts, type MetricDefinition } from './metric-catalog.ts';
import { analysisUnitOf, compareArm, srmFor, type AnalysisUnit, type SrmSummary, type UnitArm } from './unit-analysis.ts';

export { srmOf } from './unit-analysis.ts';

export interface ResultsInput {
  experiment: Experiment;
  /** Counters per arm, in the experiment's arm order, over the window. */
  counts: ArmCounts[];
  /** Expected requests per arm under the weights in force over the window (SRM). */
  expectedRequests: number[];
  /** Expected impressions per arm under the same weights; used for SRM when impressions are logged. */
  expectedImpressions?: number[];
  /** Per-unit sums per arm (predictions with a unitId): the unit-level analysis. */
  units?: UnitArm[];
  window: { from: number; to: number };
  notes?: string[];
}

export interface PowerSummary {
  mde: number | null;
  targetEffect: number | null;
  requiredSampleSize: number | null;
  additionalSampleSize: number | null;
  /** At the window's traffic rate; null when unknown. */
  estimatedMs: number | null;
  estimatedAt: string | null;
  reason?: string;
}

export interface Comparison {
  effect: number;
  difference: Difference;
  ci: [number, number];
  se: number;
  pValue: number;
  /** Holm over every (metric, treatment arm) comparison of the results. */
  adjustedPValue: number;
  significant: boolean;
  significantAdjusted: boolean;
  chanceToWin: number;
  credibleInterval: [number, number];
  expectedLoss: { treatment: number; control: number };
  absolute: { effect: number; se: number };
  relative: { effect: number; se: number } | null;
  test: AbTestResult['test'];
  df: number | null;
  statistic: number;
  status: AbTestResult['status'];
  reason?: string;
  power: PowerSummary;
}

export interface ArmMetric {
  arm: string;
  version: string;
  /** Events: the metric's denominator (impressions for ctr, requests for error_rate…). */
  n: number;
  /** The same as n, named for what it counts. */
  events: number;
  /** Distinct randomization units in the arm (null when analysed by event). */
  units: number | null;
  /** Successes for proportions, Σx for means. */
  sum: number;
  sumSquares?: number;
  /** Rate (proportions) or mean. */
  mean: number;
  /** Successes above n that were capped (pre-aggregated outcomes). */
  capped?: number;
  /** vs the control; null for the control itself. */
  comparison: Comparison | null;
}

export interface MetricResult {
  metric: string;
  role: 'primary' | 'guardrail' | 'secondary';
  kind: MetricDefinition['kind'];
  direction: Direction;
  difference: Difference;
  description: string;
  /** What one event of the metric is (its denominator). */
  unit: string;
  /** What the variance is computed over: randomization units, or events (legacy producers). */
  analysisUnit: AnalysisUnit;
  arms: ArmMetric[];
}

export interface ArmGuardrail extends GuardrailVerdict {
  metric: string;
  arm: string;
  margin: number;
  difference: Difference;
  direction: Direction;
}

export interface ArmDecision {
  arm: string;
  version: string;
  recommendation: Recommendation;
  reasons: string[];
  sampleSize: number;
}

export interface ExperimentResults {
  experimentId: string;
  model: string;
  status: Experiment['status'];
  computedAt: string;
  window: { from: string; to: string; fromMs: number; toMs: number };
  sequential: boolean;
  alpha: number;
  correction: 'holm';
  /** The unit of analysis of every metric and of SRM. */
  analysisUnit: AnalysisUnit;
  arms: { name: string; version: string; weight: number; requests: number; units: number | null }[];
  srm: SrmSummary;
  metrics: MetricResult[];
  guardrails: ArmGuardrail[];
  decision: {
    recommendation: Recommendation;
    reasons: string[];
    /** The arm to promote when the recommendation is promote. */
    winner: { arm: string; version: string } | null;
    minSampleSize: number;
    maxSampleSize: number | null;
    arms: ArmDecision[];
  };
  notes: string[];
}

/** Latest Date the JS Date can hold (ms). */
const MAX_DATE_MS = 8.64e15;

export function computeResults(input: ResultsInput): ExperimentResults {
  const { experiment: e, counts } = input;
  const s = e.settings;
  const notes = [...(input.notes ?? [])];
  const alpha = s.alpha;
  const sequential = s.sequential ? { tuning: s.tuning } : undefined;
  const elapsed = Math.max(0, input.window.to - input.window.from);
  const units = input.units;
  const mode = analysisUnitOf(units, counts, notes);

  const test = (def: MetricDefinition, armIndex: number, difference: Difference, direction: Direction): AbTestResult =>
    compareArm(mode, def, counts, units, armIndex, difference, direction, { alpha, sequential });

  const power = (r: AbTestResult, targetEffect: number | null): PowerSummary => {
    const n = r.control.n + r.treatment.n;
    const rate = elapsed > 0 && n > 0 ? n / elapsed : undefined;
    const t = timeToDecision(r, {
      ...(targetEffect !== null ? { targetEffect } : {}),
      ...(rate !== undefined ? { trafficRate: rate } : {}),
    });
    const estimatedMs = t.estimatedTime === null || !Number.isFinite(t.estimatedTime) ? null : Math.round(t.estimatedTime);
    const at = estimatedMs === null ? null : input.window.to + estimatedMs;
    return {
      mde: t.mde,
      targetEffect: t.targetEffect,
      requiredSampleSize: t.requiredSampleSize,
      additionalSampleSize: t.additionalSampleSize,
      estimatedMs,
      estimatedAt: at !== null && at < MAX_DATE_MS ? new Date(at).toISOString() : null,
      ...(t.reason ? { reason: t.reason } : {}),
    };
  };

  // ---- reported metrics, primary first
  const names = unique([e.primaryMetric, ...s.guardrails.map((g) => g.metric), ...s.metrics]);
  const guardrailNames = new Set(s.guardrails.map((g) => g.metric));
  const raw: { metric: number; arm: number; result: AbTestResult }[] = [];
  const metrics: MetricResult[] = names.map((name, mi) => {
    const def = metricDefinition(name);
    const arms: ArmMetric[] = e.arms.map((arm, ai) => {
      const summary = def.summarize(counts[ai]!);
      if (summary.capped && mode === 'event') notes.push(`${name}, arm "${arm.name}": ${summary.capped} successes above n were capped (outcomes reported more events than ${def.unit}s)`);
      // By unit, the counts are the analysed ones: the unit-carrying predictions' sums.
      const own = mode === 'unit' ? units![ai]!.metrics[name]! : null;
      const n = own ? own.x : summary.n;
      const sum = own ? own.y : summary.sum;
      const row: ArmMetric = {
        arm: arm.name,
        version: arm.version,
        n,
        events: n,
        units: own ? own.n : null,
        sum,
        ...(def.kind === 'mean' ? { sumSquares: summary.sumSquares ?? 0 } : {}),
        mean: n > 0 ? sum / n : 0,
        ...(summary.capped && !own ? { capped: summary.capped } : {}),
        comparison: null,
      };
      if (ai > 0) raw.push({ metric: mi, arm: ai, result: test(def, ai, def.difference, def.direction) });
      return row;
    });
    return {
      metric: name,
      role: name === e.primaryMetric ? 'primary' : guardrailNames.has(name) ? 'guardrail' : 'secondary',
      kind: def.kind,
      direction: def.direction,
      difference: def.difference,
      description: def.description,
      unit: def.unit,
      analysisUnit: mode,
      arms,
    };
  });
  const adjusted = adjustPValues(raw.map((r) => r.result.pValue), 'holm');
  raw.forEach(({ metric, arm, result }, i) => {
    const target = metric === 0 ? s.minimumEffect : null;
    const adj = adjusted[i] as number;
    metrics[metric]!.arms[arm]!.comparison = toComparison(result, adj, power(result, target));
  });

  const srmResult = srmFor(mode, counts, units, input.expectedRequests, input.expectedImpressions);

  // ---- decision per treatment arm
  const primaryDef = metricDefinition(e.primaryMetric);
  const primaryResults = e.arms.map((_, ai) => (ai === 0 ? null : raw.find((r) => r.metric === 0 && r.arm === ai)!.result));
  const treatments = primaryResults.slice(1) as AbTestResult[];
  const primaryAdjusted = treatments.length > 1 ? adjustPValues(treatments.map((r) => r.pValue), 'holm') : treatments.map((r) => r.pValue);
  if (treatments.length > 1) notes.push(`decision: the primary metric's p-values are Holm-adjusted across the ${treatments.length} treatment arms`);
  const guardrails: ArmGuardrail[] = [];
  const armDecisions: ArmDecision[] = e.arms.slice(1).map((arm, k) => {
    const ai = k + 1;
    const base = treatments[k]!;
    const p = primaryAdjusted[k] as number;
    const primary = p === base.pValue ? base : { ...base, pValue: p, significant: p < alpha };
    const specs = s.guardrails.map((g) => {
      const def = metricDefinition(g.metric);
      let result = test(def, ai, g.difference, g.direction);
      if (result.status === 'zero_variance' && def.kind === 'proportion') {
        // E.g. no errors at all in either arm: the Wald SE is 0 and the guardrail could never
        // pass. Judge it on Agresti–Caffo counts (one success and one failure added to each
        // arm), the standard fix for an interval of a difference of proportions at 0 or 1.
        const adjust = (c: ArmCounts) => {
          const m = def.summarize(c);
          return { n: m.n + 2, sum: m.sum + 1 };
        };
        result = abtest({
          metric: 'proportion',
          control: adjust(counts[0]!),
          treatment: adjust(counts[ai]!),
          alpha,
          difference: g.difference,
          direction: g.direction,
          ...(sequential ? { sequential } : {}),
        });
        notes.push(`guardrail ${g.metric}, arm "${arm.name}": every ${def.unit} had the same outcome in both arms; judged on Agresti–Caffo-adjusted counts (+1 success, +1 failure per arm)`);
      }
      return { name: g.metric, result, margin: g.margin, direction: g.direction };
    });
    // In the primary metric's events (minSampleSize's unit), whatever the unit of analysis.
    const sampleSize = primaryDef.summarize(counts[0]!).n + primaryDef.summarize(counts[ai]!).n;
    const d = decide({
      primary: { name: e.primaryMetric, result: primary },
      guardrails: specs,
      srm: srmResult,
      sequential: s.sequential,
      sampleSize,
      minSampleSize: s.minSampleSize,
      ...(s.maxSampleSize !== null ? { maxSampleSize: s.maxSampleSize } : {}),
    });
    d.guardrails.forEach((v, gi) => {
      const g = s.guardrails[gi]!;
      guardrails.push({ ...v, metric: g.metric, arm: arm.name, margin: g.margin, difference: g.difference, direction: g.direction });
    });
    return { arm: arm.name, version: arm.version, recommendation: d.recommendation, reasons: d.reasons, sampleSize };
  });

  const combined = combine(armDecisions, treatments, primaryDef.direction);
  const weights = e.arms.map((a) => a.weight);
  return {
    experimentId: e.id,
    model: e.model,
    status: e.status,
    computedAt: new Date(input.window.to).toISOString(),
    window: {
      from: new Date(input.window.from).toISOString(),
      to: new Date(input.window.to).toISOString(),
      fromMs: input.window.from,
      toMs: input.window.to,
    },
    sequential: s.sequential,
    alpha,
    correction: 'holm',
    analysisUnit: mode,
    arms: e.arms.map((a, i) => ({ name: a.name, version: a.version, weight: weights[i]!, requests: counts[i]!.requests, units: mode === 'unit' ? units![i]!.units : null })),
    srm: srmResult,
    metrics,
    guardrails,
    decision: {
      ...combined,
      minSampleSize: s.minSampleSize,
      maxSampleSize: s.maxSampleSize,
      arms: armDecisions,
    },
    notes,
  };
}

function toComparison(r: AbTestResult, adjustedPValue: number, power: PowerSummary): Comparison {
  return {
    effect: r.effect,
    difference: r.difference,
    ci: r.ci,
    se: r.se,
    pValue: r.pValue,
    adjustedPValue,
    significant: r.significant,
    significantAdjusted: adjustedPValue < r.alpha,
    chanceToWin: r.chanceToWin,
    credibleInterval: r.credibleInterval,
    expectedLoss: r.expectedLoss,
    absolute: r.absolute,
    relative: r.relative,
    test: r.test,
    df: r.df,
    statistic: r.statistic,
    status: r.status,
    ...(r.reason ? { reason: r.reason } : {}),
    power,
  };
}

function combine(
  arms: ArmDecision[],
  primary: AbTestResult[],
  direction: Direction,
): { recommendation: Recommendation; reasons: string[]; winner: { arm: string; version: string } | null } {
  const single = arms.length === 1;
  const prefixed = (a: ArmDecision) => (single ? a.reasons : a.reasons.map((r) => `arm "${a.arm}": ${r}`));
  const promoted = arms.map((a, k) => ({ a, r: primary[k]! })).filter(({ a }) => a.recommendation === 'promote');
  if (promoted.length > 0) {
    // Best of the winners: largest effect in the good direction.
    const sign = direction === 'higher' ? 1 : -1;
    promoted.sort((x, y) => sign * (y.r.effect - x.r.effect));
    const best = promoted[0]!.a;
    const others = promoted.slice(1).map(({ a }) => `arm "${a.arm}" is also better, but by less`);
    return { recommendation: 'promote', reasons: [...prefixed(best), ...others], winner: { arm: best.arm, version: best.version } };
  }
  const all = arms.flatMap(prefixed);
  if (arms.every((a) => a.recommendation === 'rollback')) return { recommendation: 'rollback', reasons: all, winner: null };
  if (arms.some((a) => a.recommendation === 'keep_running')) return { recommendation: 'keep_running', reasons: all, winner: null };
  return { recommendation: 'inconclusive', reasons: all, winner: null };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

export const describeRecommendation = (r: ExperimentResults): string =>
  `${r.decision.recommendation}${r.decision.winner ? ` (arm "${r.decision.winner.arm}", version ${r.decision.winner.version})` : ''}: ${r.decision.reasons[0] ?? ''}`;
