/**
 * How a shadow compares with the champion over a range (GET /api/v1/models/{model}/shadow):
 * score agreement from the pair sums (shadow_pairs), score drift between the two versions'
 * score histograms (the champion's is the reference; monitor/score-drift.ts), and each side's
 * latency and error rate from the rollups of its arm. Pure: the service reads the inputs.
 */
import { scoreDrift, type ScoreDrift } from '../monitor/score-drift.ts';
import type { PairSums } from './shadow-store.ts';

export interface SideTotals {
  requests: number;
  errors: number;
  /** ms; null without latencies. */
  latencyP50: number | null;
  latencyP99: number | null;
}

export interface SideFigures extends SideTotals {
  version: string;
  /** errors / requests; null without requests. */
  errorRate: number | null;
}

export interface ShadowComparison {
  from: number;
  to: number;
  /** Pairs: champion predictions the shadow scored too, both scores finite. */
  pairs: number;
  /** Mean |shadow − champion| score; null without pairs. */
  meanAbsDiff: number | null;
  /** Root mean squared score difference; null without pairs. */
  rmsDiff: number | null;
  /** Share of pairs whose decisions at the decision threshold agree; null without pairs. */
  decisionAgreement: number | null;
  /** Shadow's score histogram against the champion's (PSI, KS, Jensen–Shannon); null when a side has no scores. */
  scoreDrift: ScoreDrift | null;
  champion: SideFigures;
  shadow: SideFigures;
  /** Shadow p99 latency / champion p99 latency; null when either is missing or the champion's is 0. */
  latencyRatio: number | null;
}

export interface ComparisonInput {
  from: number;
  to: number;
  pairs: PairSums;
  champion: { version: string; totals: SideTotals; scores: Float64Array };
  shadow: { version: string; totals: SideTotals; scores: Float64Array };
}

const side = (version: string, t: SideTotals): SideFigures => ({ version, ...t, errorRate: t.requests > 0 ? t.errors / t.requests : null });

export function compareShadow(input: ComparisonInput): ShadowComparison {
  const { pairs } = input;
  const n = pairs.pairs;
  const c = input.champion.totals.latencyP99;
  const s = input.shadow.totals.latencyP99;
  return {
    from: input.from,
    to: input.to,
    pairs: n,
    meanAbsDiff: n > 0 ? pairs.absDiffSum / n : null,
    rmsDiff: n > 0 ? Math.sqrt(pairs.sqDiffSum / n) : null,
    decisionAgreement: n > 0 ? pairs.agree / n : null,
    scoreDrift: scoreDrift(input.champion.scores, input.shadow.scores),
    champion: side(input.champion.version, input.champion.totals),
    shadow: side(input.shadow.version, input.shadow.totals),
    latencyRatio: c !== null && s !== null && c > 0 ? s / c : null,
  };
}
