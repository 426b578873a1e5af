/**
 * The online-quality part of the exported snapshot (metrics-export.ts): per (version, arm),
 * the quality KPIs (kpi.ts) of the predictions of the last hour, and of the 24 hours before it
 * as the reference a drop is measured against (the ModelWatchQualityDrop rule,
 * provisioning/prometheus/rules/modelwatch.yml). Labels count in their prediction's minute,
 * so the current hour fills as labels arrive; the labelled count lets rules require volume.
 * The drop (reference − current, so positive is worse; current − reference for log loss) is
 * exported for auc, accuracy, f1 and log_loss, and for auc its z (binned-quality.ts aucDropZ).
 * Score drift (score-drift.ts) compares the same two windows' score histograms, for the keys
 * with the most scored predictions in the last hour (labelled or not).
 * Bounded like the KPI gauges: the EXPORT_LIMITS.keysPerModel keys with the most labels, at
 * most armsPerVersion arms per version.
 */
import { EXPORT_LIMITS, type ExportSnapshot } from './metrics-export.ts';
import type { MonitorContext } from './monitor-context.ts';
import { kpiValue, labelHistograms, type KpiName } from './kpi.ts';
import { aucDropZ } from '../stats/binned-quality.ts';
import { HOUR_MS, SCORE_BINS, seriesKey } from './rollup.ts';
import { qualityPerKey, type QualityGroup as Group } from './quality-totals.ts';
import { scoreDrift } from './score-drift.ts';
import { thresholdsOf } from './quality-settings.ts';

export const QUALITY_WINDOW_MS = HOUR_MS;
export const QUALITY_REFERENCE_MS = 24 * HOUR_MS;

/** KPIs exported as modelwatch_quality{kpi}; label_delay_mean in seconds as label_delay_seconds. */
export const EXPORTED_QUALITY_KPIS: readonly KpiName[] = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'log_loss', 'calibration_error', 'label_coverage', 'label_delay_mean'];

/** KPIs whose drop is exported, with the sign that makes a positive drop a worse model. */
const DROP_SIGN: ReadonlyMap<KpiName, 1 | -1> = new Map([['auc', 1], ['accuracy', 1], ['f1', 1], ['log_loss', -1]]);

const exportedName = (k: KpiName): string => (k === 'label_delay_mean' ? 'label_delay_seconds' : k);
const exportedValue = (k: KpiName, v: number): number => (k === 'label_delay_mean' ? v / 1000 : v);


export async function addQuality(ctx: MonitorContext, s: ExportSnapshot, model: string, settings: Record<string, unknown>, end: number): Promise<void> {
  const thresholdOf = thresholdsOf(settings);
  const start = end - QUALITY_WINDOW_MS;
  const current = await qualityPerKey(ctx, model, start, end);
  const groups = [...current.values()];
  const scored = groups.filter((g) => scoredCount(g) > 0);
  const labelled = groups.filter((g) => g.totals.labelled > 0).sort((a, b) => b.totals.labelled - a.totals.labelled);
  if (scored.length === 0 && labelled.length === 0) return;
  const reference = await qualityPerKey(ctx, model, start - QUALITY_REFERENCE_MS, start);
  addScoreDrift(s, model, scored, reference);
  for (const g of bounded(labelled)) {
    const labels = { model, version: g.version, arm: g.arm };
    const ref = reference.get(seriesKey(g.version, g.arm));
    s.qualityLabelled.push({ ...labels, labelled: g.totals.labelled, referenceLabelled: ref?.totals.labelled ?? 0 });
    const threshold = thresholdOf(g.version);
    for (const k of EXPORTED_QUALITY_KPIS) {
      const v = kpiValue(g.totals, k, threshold);
      if (v !== null) s.quality.push({ ...labels, kpi: exportedName(k), value: exportedValue(k, v) });
      const r = ref ? kpiValue(ref.totals, k, threshold) : null;
      if (r !== null) s.qualityReference.push({ ...labels, kpi: exportedName(k), value: exportedValue(k, r) });
      const sign = DROP_SIGN.get(k);
      if (sign !== undefined && v !== null && r !== null) s.qualityDrop.push({ ...labels, kpi: k, value: sign * (r - v) });
    }
    if (ref) {
      const cur = labelHistograms(g.totals);
      const old = labelHistograms(ref.totals);
      const z = aucDropZ(cur.pos, cur.neg, old.pos, old.neg);
      if (z !== null) s.qualityDropZ.push({ ...labels, kpi: 'auc', value: z });
    }
  }
}

/** The EXPORT_LIMITS.keysPerModel first keys, at most armsPerVersion per version. */
function bounded(groups: readonly Group[]): Group[] {
  const perVersion = new Map<string, number>();
  const out: Group[] = [];
  for (const g of groups.slice(0, EXPORT_LIMITS.keysPerModel)) {
    const arms = perVersion.get(g.version) ?? 0;
    if (arms >= EXPORT_LIMITS.armsPerVersion) continue;
    perVersion.set(g.version, arms + 1);
    out.push(g);
  }
  return out;
}

/** Predictions with a score: the score histogram without its missing slot. */
function scoredCount(g: Group): number {
  let n = 0;
  for (let i = 0; i < SCORE_BINS; i++) n += g.scores[i] as number;
  return n;
}

function addScoreDrift(s: ExportSnapshot, model: string, scored: Group[], reference: Map<string, Group>): void {
  for (const g of bounded([...scored].sort((a, b) => scoredCount(b) - scoredCount(a)))) {
    const ref = reference.get(seriesKey(g.version, g.arm));
    const d = ref ? scoreDrift(ref.scores, g.scores) : null;
    if (d === null) continue;
    s.scoreDrift.push({ model, version: g.version, arm: g.arm, drift: d });
  }
}
