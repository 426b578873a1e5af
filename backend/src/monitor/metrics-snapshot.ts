/**
 * The snapshot the exported gauges show (metrics-export.ts): per model, KPIs and latency over
 * the last complete 5 minutes, drift over the drift window, and health — within the
 * cardinality bounds of EXPORT_LIMITS.
 */
import { parseDuration } from '../core/duration.ts';
import { EXPORT_LIMITS, emptySnapshot, type ExportSnapshot } from './metrics-export.ts';
import type { MonitorContext } from './monitor-context.ts';
import { maxOf } from '../core/arrays.ts';
import { secondsSince } from './data-quality.ts';
import { lastRecordEnds, queryDataQuality } from './query-data-quality.ts';
import { queryDrift } from './query-drift.ts';
import { queryHealth } from './query-health.ts';
import { queryTotals } from './query-totals.ts';
import { addQuality } from './quality-snapshot.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';

export async function metricsSnapshot(ctx: MonitorContext): Promise<ExportSnapshot> {
  const s = emptySnapshot();
  const end = Math.floor(ctx.now() / MINUTE_MS) * MINUTE_MS;
  const models = (await ctx.models.list()).slice(0, EXPORT_LIMITS.models);
  for (const m of models) {
    await addKpis(ctx, s, m.name, end);
    // Drift and data quality cover the same window and versions: found once.
    const from = end - exportDriftWindowMs(m.settings);
    let versions: string[] = [];
    try {
      versions = await busiestVersions(ctx, m.name, from, end);
      await addDrift(ctx, s, m.name, versions, from, end);
    } catch (error) {
      ctx.logger.warn({ err: error, model: m.name }, 'monitor: drift export skipped');
    }
    try {
      await addDataQuality(ctx, s, m.name, versions, from, end);
    } catch (error) {
      ctx.logger.warn({ err: error, model: m.name }, 'monitor: data quality export skipped');
    }
    try {
      await addQuality(ctx, s, m.name, m.settings, end);
    } catch (error) {
      ctx.logger.warn({ err: error, model: m.name }, 'monitor: quality export skipped');
    }
    try {
      await addHealth(ctx, s, m.name);
    } catch (error) {
      ctx.logger.warn({ err: error, model: m.name }, 'monitor: health export skipped');
    }
  }
  return s;
}

/** KPIs over the last complete 5 minutes, per (version, arm): the keysPerModel with the most requests. */
async function addKpis(ctx: MonitorContext, s: ExportSnapshot, model: string, end: number): Promise<void> {
  let totals = await queryTotals(ctx, model, { from: end - 5 * MINUTE_MS, to: end });
  if (totals.length > EXPORT_LIMITS.keysPerModel) totals = totals.sort((a, b) => b.requests - a.requests).slice(0, EXPORT_LIMITS.keysPerModel);
  const perVersion = new Map<string, number>();
  for (const t of totals) {
    const arms = perVersion.get(t.version) ?? 0;
    if (arms >= EXPORT_LIMITS.armsPerVersion) continue;
    perVersion.set(t.version, arms + 1);
    const labels = { model, version: t.version, arm: t.arm };
    if (t.impressions > 0) s.kpis.push({ ...labels, kpi: 'ctr', value: t.clicks / t.impressions });
    if (t.clicks > 0) s.kpis.push({ ...labels, kpi: 'cvr', value: t.conversions / t.clicks });
    if (t.requests > 0) s.kpis.push({ ...labels, kpi: 'error_rate', value: t.errors / t.requests });
    s.kpis.push({ ...labels, kpi: 'requests_per_second', value: t.requests / 300 });
    for (const [quantile, v] of [['0.5', t.latencyP50], ['0.9', t.latencyP90], ['0.99', t.latencyP99]] as const) {
      if (v !== null) s.latency.push({ ...labels, quantile, seconds: v / 1000 });
    }
  }
}

/** Drift over the drift window (settings.metrics.driftWindow), for the versions with the most traffic. */
async function addDrift(ctx: MonitorContext, s: ExportSnapshot, model: string, versions: string[], from: number, end: number): Promise<void> {
  if (versions.length === 0) return;
  const drift = await queryDrift(ctx, model, { from, to: end, versions });
  for (const v of drift.versions) {
    const w = v.windows[0];
    if (!w) continue;
    const features = new Set<string>();
    for (const f of w.features) {
      if (f.insufficientData) continue;
      if (!features.has(f.feature) && features.size >= EXPORT_LIMITS.featuresPerVersion) continue;
      features.add(f.feature);
      s.featureDrift.push({ model, version: v.version, feature: f.feature, method: f.method, score: f.score, pValue: f.pValue ?? null });
    }
    for (const f of features) s.featureDrifted.push({ model, version: v.version, feature: f, drifted: w.driftedFeatures.includes(f) });
    s.datasetDrift.push({ model, version: v.version, share: w.driftShare, drifted: w.datasetDrifted });
  }
}

/** The versions with the most requests in [from, to) (at most EXPORT_LIMITS.versionsPerModel). */
async function busiestVersions(ctx: MonitorContext, model: string, from: number, to: number): Promise<string[]> {
  const totals = await queryTotals(ctx, model, { from, to });
  const byVersion = new Map<string, number>();
  for (const t of totals) byVersion.set(t.version, (byVersion.get(t.version) ?? 0) + t.requests);
  return [...byVersion]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, EXPORT_LIMITS.versionsPerModel)
    .map(([v]) => v);
}

/**
 * Data quality over the drift window for the busiest versions (busiest first, features in
 * profile order, EXPORT_LIMITS.dataQualityFeaturesPerModel in all), and the model's freshness.
 */
async function addDataQuality(ctx: MonitorContext, s: ExportSnapshot, model: string, versions: string[], from: number, end: number): Promise<void> {
  const now = ctx.now();
  const newest = maxOf((await lastRecordEnds(ctx, model, now)).values());
  if (newest !== -Infinity) s.freshness.push({ model, seconds: secondsSince(newest, now) ?? 0 });
  if (versions.length === 0) return;
  const dq = await queryDataQuality(ctx, model, { from, to: end, versions });
  let left: number = EXPORT_LIMITS.dataQualityFeaturesPerModel;
  for (const v of dq.versions) {
    if (v.profile === null || left === 0) continue;
    s.dataQualityVersions.push({ model, version: v.version, records: v.records + v.rejected, meanVectorDistance: v.meanVectorDistance });
    const features = v.features.slice(0, left);
    left -= features.length;
    for (const f of features) {
      s.featureQuality.push({
        model,
        version: v.version,
        feature: f.feature,
        missing: f.missingRate,
        outOfRange: f.outOfRangeRate,
        unseen: f.unseenRate,
        typeErrors: f.typeErrorRate,
        meanShift: f.meanShiftSigmas,
      });
    }
  }
}

/** Health, and the CTR baseline the health rule compares with. */
async function addHealth(ctx: MonitorContext, s: ExportSnapshot, model: string): Promise<void> {
  const h = await queryHealth(ctx, model);
  s.health.push({ model, score: h.score, status: h.status });
  const ctr = h.checks.find((c) => c.kpi === 'ctr');
  if (ctr && typeof ctr.baseline === 'number') {
    s.baselines.push({
      model,
      kpi: 'ctr',
      baseline: ctr.baseline,
      relativeChange: ctr.value !== null && ctr.baseline > 0 ? ctr.value / ctr.baseline - 1 : null,
    });
  }
}

/** The window the exported drift gauges cover: the model's `settings.metrics.driftWindow`, default 1 h. */
function exportDriftWindowMs(settings: Record<string, unknown>): number {
  const metrics = settings.metrics as { driftWindow?: unknown } | undefined;
  const ms = parseDuration(metrics?.driftWindow);
  return ms !== undefined && ms >= MINUTE_MS ? Math.round(ms / MINUTE_MS) * MINUTE_MS : HOUR_MS;
}
