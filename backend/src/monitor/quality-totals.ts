/**
 * Per (version, arm) over a range: the KPI totals with the label histograms (kpi.ts) and the
 * summed score histogram, from rollups. What the quality gauges, calibration and score drift read.
 */
import { addToTotals, emptyTotals, type KpiTotals } from './kpi.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planResolution } from './queries.ts';
import { rollupsOf } from './read-rollups.ts';
import { SCORE_BINS, seriesKey } from './rollup.ts';

export interface QualityGroup {
  version: string;
  arm: string;
  totals: KpiTotals;
  /** Sum of the rollups' score histograms (SCORE_BINS + missing). */
  scores: Float64Array;
}

export interface QualitySelection {
  versions?: readonly string[] | undefined;
  arms?: readonly string[] | undefined;
}

/** Groups keyed by seriesKey(version, arm), over [from, to) (whole minutes). */
export async function qualityPerKey(ctx: MonitorContext, model: string, from: number, to: number, o: QualitySelection = {}): Promise<Map<string, QualityGroup>> {
  const rollups = await rollupsOf(ctx, model, planResolution(from, to), [from, to], { versions: o.versions, arms: o.arms, latency: false, quality: true, scores: true });
  const groups = new Map<string, QualityGroup>();
  for (const r of rollups) {
    const k = seriesKey(r.version, r.arm);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { version: r.version, arm: r.arm, totals: emptyTotals(), scores: new Float64Array(SCORE_BINS + 1) }));
    addToTotals(g.totals, r, false);
    for (let i = 0; i <= SCORE_BINS; i++) (g.scores[i] as number) += r.scoreHist[i] as number;
  }
  return groups;
}

/** Groups sorted by version, then arm. */
export function sortedGroups(groups: Map<string, QualityGroup>): QualityGroup[] {
  return [...groups.values()].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0));
}
