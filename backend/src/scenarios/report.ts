/**
 * Pure aggregation of scenario runs: per scenario, the rates of the correct action, of false
 * promotions and of false rollbacks over its seeds (with 95 % Wilson score intervals, as
 * scipy's `binomtest(k, n).proportion_ci(method='wilson')` gives), the median and p90 virtual
 * minutes to the decision, and the share of the lost KPI that the decision won back.
 * No I/O: run-scenarios.ts feeds it and writes what report-markdown.ts renders.
 */
import { normalQuantile } from '../stats/distributions.ts';

/** What one seed of one scenario did, judged against the scenario's ground truth. */
export interface SeedVerdict {
  seed: number;
  /** The ground truth's action happened within the scenario's horizon (and nothing that contradicts it). */
  correct: boolean;
  /** A version that is not better than the champion became champion. */
  falsePromotion: boolean;
  /** A version that was not at fault lost its traffic (rolled back, or its experiment stopped against it). */
  falseRollback: boolean;
  /** Virtual minutes from the scenario's trigger to the service's decision; null: no decision within the horizon. */
  decisionMinutes: number | null;
  /** Share of the KPI lost to the injected fault that was won back by the horizon; null where the scenario loses none. */
  kpiRecovered: number | null;
  /** One line on what happened, shown for the seeds that were not correct. */
  summary: string;
}

export interface Proportion {
  k: number;
  n: number;
  rate: number;
  /** 95 % Wilson score interval. */
  low: number;
  high: number;
}

export interface ScenarioSummary {
  name: string;
  seeds: number;
  correct: Proportion;
  falsePromotion: Proportion;
  falseRollback: Proportion;
  /** Seeds with a false promotion or a false rollback (or both). */
  falseAction: Proportion;
  /** Seeds with a decision within the horizon. */
  decided: number;
  /** Nearest-rank percentiles of decisionMinutes over the decided seeds. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  /** Mean and median of kpiRecovered over the seeds that report it. */
  kpiRecovered: { n: number; mean: number; median: number } | null;
  /** Up to `keepFailures` seeds that were not correct, with what they did. */
  failures: Array<{ seed: number; summary: string }>;
}

const Z95 = normalQuantile(0.975);

/** Wilson score interval for k successes in n trials (n = 0: the whole [0, 1]). */
export function wilson(k: number, n: number, z = Z95): Proportion {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new RangeError(`wilson: need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (n === 0) return { k, n, rate: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or k = n the bound is exactly 0 or 1; rounding must not move it.
  return { k, n, rate: p, low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

/** Nearest-rank percentile (q in (0, 1]) of a non-empty list: the smallest value with at least q of the list at or below it. */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

export function summarize(name: string, verdicts: readonly SeedVerdict[], keepFailures = 5): ScenarioSummary {
  const n = verdicts.length;
  const count = (pick: (v: SeedVerdict) => boolean) => verdicts.filter(pick).length;
  const minutes = verdicts.map((v) => v.decisionMinutes).filter((m): m is number => m !== null);
  const recovered = verdicts.map((v) => v.kpiRecovered).filter((r): r is number => r !== null && Number.isFinite(r));
  return {
    name,
    seeds: n,
    correct: wilson(count((v) => v.correct), n),
    falsePromotion: wilson(count((v) => v.falsePromotion), n),
    falseRollback: wilson(count((v) => v.falseRollback), n),
    falseAction: wilson(count((v) => v.falsePromotion || v.falseRollback), n),
    decided: minutes.length,
    medianMinutes: nearestRank(minutes, 0.5),
    p90Minutes: nearestRank(minutes, 0.9),
    kpiRecovered: recovered.length
      ? { n: recovered.length, mean: recovered.reduce((a, b) => a + b, 0) / recovered.length, median: nearestRank(recovered, 0.5)! }
      : null,
    failures: verdicts
      .filter((v) => !v.correct)
      .sort((a, b) => a.seed - b.seed)
      .slice(0, keepFailures)
      .map((v) => ({ seed: v.seed, summary: v.summary })),
  };
}

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

/**
 * Issue 14's targets: in the A/A scenario false promotions and false rollbacks together at most
 * 5 % of the seeds; in the better and worse challenger scenarios the correct action in at least
 * 90 %. A target whose scenario was not run is left out.
 */
export function checkTargets(summaries: readonly ScenarioSummary[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const find = (name: string) => summaries.find((s) => s.name === name);
  const aa = find('aa-canary');
  if (aa) {
    out.push({ target: 'aa-canary: false promotion + false rollback ≤ 5 %', value: formatProportion(aa.falseAction), met: aa.falseAction.rate <= 0.05 });
  }
  for (const name of ['better-challenger', 'worse-challenger']) {
    const s = find(name);
    if (s) out.push({ target: `${name}: correct action ≥ 90 % within the horizon`, value: formatProportion(s.correct), met: s.correct.rate >= 0.9 });
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** "93.0% [86.3, 96.6] (93/100)". */
export function formatProportion(p: Proportion): string {
  return `${pct(p.rate)} [${(100 * p.low).toFixed(1)}, ${(100 * p.high).toFixed(1)}] (${p.k}/${p.n})`;
}
