/**
 * Calibration per score bin (docs/concepts/online-quality.md; `GET …/calibration`): for each
 * (version, arm), the expected (bin midpoint) and observed positive rate and the labelled count
 * of each of the QUALITY_BINS score bins, over one range, from the rollups' label histograms.
 */
import { labelHistograms } from './kpi.ts';
import type { MonitorContext } from './monitor-context.ts';
import { resolveRange } from './queries.ts';
import { qualityPerKey, sortedGroups } from './quality-totals.ts';
import { calibrationBins, expectedCalibrationError, type CalibrationBin } from '../stats/binned-quality.ts';

export interface CalibrationQuery {
  from?: number | undefined;
  to?: number | undefined;
  versions?: string[] | undefined;
  arms?: string[] | undefined;
}

export interface CalibrationSeries {
  version: string;
  arm: string;
  /** Labelled predictions with a score (those in the bins). */
  labelled: number;
  /** Expected calibration error over the bins; null without labels. */
  calibrationError: number | null;
  bins: CalibrationBin[];
}

export interface CalibrationResult {
  from: number;
  to: number;
  series: CalibrationSeries[];
}

export async function queryCalibration(ctx: MonitorContext, model: string, q: CalibrationQuery = {}): Promise<CalibrationResult> {
  await ctx.modelInfo.get(model);
  const range = resolveRange({ from: q.from, to: q.to }, ctx.now(), { wholeRange: true });
  const groups = await qualityPerKey(ctx, model, range.from, range.to, { versions: q.versions, arms: q.arms });
  const series = sortedGroups(groups).map((g) => {
    const { pos, neg } = labelHistograms(g.totals);
    const bins = calibrationBins(pos, neg);
    return { version: g.version, arm: g.arm, labelled: bins.reduce((s, b) => s + b.count, 0), calibrationError: expectedCalibrationError(pos, neg), bins };
  });
  return { from: range.from, to: range.to, series };
}
