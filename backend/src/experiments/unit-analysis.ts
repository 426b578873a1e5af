/**
 * The unit of analysis of an experiment's results: the randomization unit (the `unitId` the
 * router hashes) when predictions carry it, else the event (legacy producers).
 *
 * By unit: every metric is the ratio Σnumerator / Σdenominator of per-unit sums
 * (metric-catalog.ts `ratio`), compared with the delta method over units
 * (stats/abtest/ratio.ts), so the fixed-horizon and always-valid p-values, the chance to win
 * and the guardrail intervals all use the unit-level variance; SRM counts distinct units per
 * arm against the split in force when each unit was first seen. By event: the per-event
 * tests of the rollup counters, and SRM on impressions (requests when none are logged).
 * docs/concepts/ab-testing.md explains why the event analysis is invalid under clustering.
 */
import { abtest, abtestUnits, type AbTestResult } from '../stats/abtest/abtest.ts';
import type { Direction } from '../stats/abtest/bayesian.ts';
import type { Difference } from '../stats/abtest/effect.ts';
import type { UnitRatioSums } from '../stats/abtest/ratio.ts';
import { srm, SRM_THRESHOLD } from '../stats/abtest/srm.ts';
import type { UnitColumn, UnitTotals, UnitTotalsQuery } from '../monitor/query-units.ts';
import type { Experiment } from './experiment-store.ts';
import { METRICS, type ArmCounts, type MetricDefinition } from './metric-catalog.ts';

export type AnalysisUnit = 'unit' | 'event';

/** One arm's per-unit sums over the window. */
export interface UnitArm {
  units: number;
  /** Predictions that carried a unit id. */
  requests: number;
  /** Per metric name, the ratio's per-unit sums. */
  metrics: Record<string, UnitRatioSums>;
  /** Units expected in this arm under the weights in force when each unit was first seen. */
  expectedUnits: number;
}

/** The monitor, as far as the unit analysis needs it. */
export interface UnitTotalsSource {
  unitTotals(model: string, q: UnitTotalsQuery): Promise<UnitTotals[]>;
}

const NAMES = Object.keys(METRICS);
const PAIRS: (readonly [UnitColumn, UnitColumn])[] = NAMES.map((n) => METRICS[n]!.ratio);

/** Per arm (experiment order) unit sums over [from, to); periods as splitPeriods gives them; `closed`, `closedMinutes`: the cached parts (query-units.ts). */
export async function readUnitArms(
  source: UnitTotalsSource,
  e: Experiment,
  periods: readonly { from: number; to: number; weights: number[] }[],
  from: number,
  to: number,
  closed?: UnitTotalsQuery['closed'],
  closedMinutes?: UnitTotalsQuery['closedMinutes'],
): Promise<UnitArm[]> {
  const series = e.arms.map((a) => ({ version: a.version, arm: a.name }));
  const q: UnitTotalsQuery = {
    from,
    to,
    pairs: PAIRS,
    periodStarts: periods.slice(1).map((p) => p.from),
    series,
    ...(closed ? { closed } : {}),
    ...(closedMinutes ? { closedMinutes } : {}),
  };
  const rows = from < to ? await source.unitTotals(e.model, q) : [];
  const byArm = e.arms.map((a) => rows.find((r) => r.version === a.version && r.arm === a.name));
  const newUnits = periods.map((_, p) => byArm.reduce((s, r) => s + (r?.unitsByPeriod[p] ?? 0), 0));
  return e.arms.map((_, i) => {
    const r = byArm[i];
    const metrics: Record<string, UnitRatioSums> = {};
    NAMES.forEach((name, k) => {
      const [y, x] = PAIRS[k]!;
      metrics[name] = r
        ? { n: r.units, x: r.sum[x], y: r.sum[y], xx: r.sumSquares[x], yy: r.sumSquares[y], xy: r.cross[k]! }
        : { n: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0 };
    });
    const expectedUnits = periods.reduce((s, p, k) => s + (p.weights[i] ?? 0) * newUnits[k]!, 0);
    return { units: r?.units ?? 0, requests: r?.sum.requests ?? 0, metrics, expectedUnits };
  });
}

/** By unit when every arm saw at least two units with ids; the notes say why not, or what was left out. */
export function analysisUnitOf(units: readonly UnitArm[] | undefined, counts: readonly ArmCounts[], notes: string[]): AnalysisUnit {
  if (!units || units.every((u) => u.units === 0)) {
    notes.push('analysis by event (impression, request…): no prediction carries a unitId, so the variance ignores that one unit\'s events are correlated; send unitId with predictions to analyse by randomization unit');
    return 'event';
  }
  if (units.some((u) => u.units < 2)) {
    notes.push('analysis by event: an arm has fewer than 2 units with a unitId yet');
    return 'event';
  }
  const withUnit = units.reduce((s, u) => s + u.requests, 0);
  const all = counts.reduce((s, c) => s + c.requests, 0);
  if (all > 0 && withUnit < 0.99 * all) {
    notes.push(`analysis by randomization unit: ${Math.round((1 - withUnit / all) * 1000) / 10}% of the requests carry no unitId and are left out of it`);
  }
  return 'unit';
}

export interface TestOptions {
  alpha: number;
  sequential: { tuning: number } | undefined;
}

/** The comparison of arm `ai` with the control for one metric, by the chosen unit. */
export function compareArm(
  mode: AnalysisUnit,
  def: MetricDefinition,
  counts: readonly ArmCounts[],
  units: readonly UnitArm[] | undefined,
  ai: number,
  difference: Difference,
  direction: Direction,
  o: TestOptions,
): AbTestResult {
  const common = { alpha: o.alpha, difference, direction, ...(o.sequential ? { sequential: o.sequential } : {}) };
  if (mode === 'unit' && units) {
    return abtestUnits({ ...common, control: units[0]!.metrics[def.name]!, treatment: units[ai]!.metrics[def.name]! });
  }
  return abtest({ ...common, metric: def.kind, control: def.summarize(counts[0]!), treatment: def.summarize(counts[ai]!) });
}

export type SrmSummary = {
  /** What is counted per arm. */
  counted: 'units' | 'impressions' | 'requests';
  counts: number[];
  expected: number[];
  pValue: number;
  mismatch: boolean;
  statistic: number;
  df: number;
  threshold: number;
  reason?: string;
};

/**
 * SRM on distinct units (exact) when analysing by unit. Otherwise impressions when the model
 * logs them in every arm, else requests — both clustered by unit, so that chi-square cries
 * mismatch on a healthy split when units send many events.
 */
export function srmFor(
  mode: AnalysisUnit,
  counts: readonly ArmCounts[],
  units: readonly UnitArm[] | undefined,
  expectedRequests: number[],
  expectedImpressions: number[] | undefined,
): SrmSummary {
  if (mode === 'unit' && units) return { counted: 'units', ...srmOf(units.map((u) => u.units), units.map((u) => u.expectedUnits)) };
  if (expectedImpressions !== undefined && counts.every((c) => c.impressions > 0)) {
    return { counted: 'impressions', ...srmOf(counts.map((c) => c.impressions), expectedImpressions) };
  }
  return { counted: 'requests', ...srmOf(counts.map((c) => c.requests), expectedRequests) };
}

/** SRM against expected counts (any positive scale: srm() normalises them). */
export function srmOf(counts: number[], expected: number[]): Omit<SrmSummary, 'counted'> {
  const total = counts.reduce((a, b) => a + b, 0);
  const expectedTotal = expected.reduce((a, b) => a + b, 0);
  if (total === 0 || !(expectedTotal > 0)) {
    return { counts, expected: counts.map(() => 0), pValue: 1, mismatch: false, statistic: 0, df: Math.max(0, counts.length - 1), threshold: SRM_THRESHOLD, reason: 'no requests yet' };
  }
  const r = srm({ counts, weights: expected });
  return {
    counts,
    expected: r.expected,
    pValue: r.pValue,
    mismatch: r.mismatch,
    statistic: r.statistic,
    df: r.df,
    threshold: r.threshold,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
