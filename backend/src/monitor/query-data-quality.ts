/**
 * Data quality per version over a range (data-quality.ts), from the rollups' feature
 * histograms and feature stats — no raw records — and ingest freshness: the end of the minute
 * of the newest prediction, per version and for the model.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import { addCountsInto } from './count-blobs.ts';
import { dataQuality, secondsSince, type DataQualityOptions, type VersionQuality } from './data-quality.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planForWindows, resolveRange, type RangeInput } from './queries.ts';
import { collectRollups, versionsIn } from './read-rollups.ts';
import { FEATURE_STATS_WIDTH } from './rollup.ts';
import { compileProfile } from './rollup-layout.ts';
import { lastPredictionBuckets } from './rollup-store.ts';

/** No prediction for longer than this (default) and the model or version has no traffic. */
export const DEFAULT_NO_TRAFFIC_AFTER_MS = 10 * 60_000;

export interface DataQualityQuery extends RangeInput, DataQualityOptions {
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  noTrafficAfterMs?: number | undefined;
}

export interface Freshness {
  /** End of the minute of the newest prediction (RFC 3339); null when there has been none. */
  lastRecordAt: string | null;
  secondsSinceLastRecord: number | null;
  /** No prediction for longer than noTrafficAfterSeconds (or ever). */
  noTraffic: boolean;
}

export interface VersionDataQuality extends VersionQuality, Freshness {
  version: string;
  /** Whose profile the features were checked against (the version's own or the champion's). */
  profile: { version: string; source: string; rows: number; createdAt: string } | null;
  message?: string;
}

export interface DataQualityResult extends Freshness {
  from: number;
  to: number;
  noTrafficAfterSeconds: number;
  versions: VersionDataQuality[];
}

export async function queryDataQuality(ctx: MonitorContext, model: string, q: DataQualityQuery = {}): Promise<DataQualityResult> {
  await ctx.modelInfo.get(model); // unknown model → not_found
  const now = ctx.now();
  const range = resolveRange({ from: q.from, to: q.to }, now, { wholeRange: true });
  const noTrafficAfterMs = q.noTrafficAfterMs ?? DEFAULT_NO_TRAFFIC_AFTER_MS;
  const last = await lastRecordEnds(ctx, model, now);
  const freshness = (end: number | undefined): Freshness => {
    const seconds = secondsSince(end ?? null, now);
    return {
      lastRecordAt: end === undefined ? null : new Date(end).toISOString(),
      secondsSinceLastRecord: seconds,
      noTraffic: seconds === null || seconds * 1000 > noTrafficAfterMs,
    };
  };
  const versions = q.versions?.length ? q.versions : await versionsIn(ctx, model, range.readFrom, range.readTo);
  const out: VersionDataQuality[] = [];
  for (const version of versions) {
    const eff = await ctx.profiles.effective(model, version);
    if (!eff) {
      out.push({
        version,
        profile: null,
        message: `no reference profile for version "${version}" (nor for a champion); create one with POST /api/v1/models/${model}/versions/${version}/profile`,
        ...dataQuality({ format: 1, source: 'rows', rows: 0, createdAt: '', features: [] }, [], []),
        ...freshness(last.get(version)),
      });
      continue;
    }
    const quality = await versionQuality(ctx, model, version, eff.profile, range, q);
    out.push({
      version,
      profile: { version: eff.version, source: eff.profile.source, rows: eff.profile.rows, createdAt: eff.profile.createdAt },
      ...quality,
      ...freshness(last.get(version)),
    });
  }
  let newest: number | undefined;
  for (const end of last.values()) if (newest === undefined || end > newest) newest = end;
  return { from: range.from, to: range.to, noTrafficAfterSeconds: noTrafficAfterMs / 1000, ...freshness(newest), versions: out };
}

/** Per version, the end of the newest bucket with predictions: stored rows and this process's unflushed rollups. */
export async function lastRecordEnds(ctx: MonitorContext, model: string, now: number): Promise<Map<string, number>> {
  const out = await lastPredictionBuckets(ctx.store, model, now);
  for (const r of ctx.unflushed.buffer.of(model, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)) {
    if (r.requests === 0) continue;
    const end = r.bucketStart + r.bucketMs;
    if (end > (out.get(r.version) ?? Number.NEGATIVE_INFINITY)) out.set(r.version, end);
  }
  return out;
}

async function versionQuality(
  ctx: MonitorContext,
  model: string,
  version: string,
  profile: ReferenceProfile,
  range: ReturnType<typeof resolveRange>,
  q: DataQualityQuery,
): Promise<VersionQuality> {
  const layout = compileProfile(profile).layout;
  const { rows, memory } = await collectRollups(ctx, model, planForWindows(range), [range.readFrom, range.readTo], {
    versions: [version],
    arms: q.arms,
    layout,
    featureStats: true,
  });
  const counts = layout.sizes.map((size) => new Float64Array(size));
  const stats = new Float64Array(layout.sizes.length * FEATURE_STATS_WIDTH);
  for (const row of rows) {
    if (row.features) addCountsInto(row.features, counts);
    // Rows written before migration 0105 have no stats: zeros.
    if (row.feature_stats) addCountsInto(row.feature_stats, [stats]);
  }
  for (const r of memory) {
    r.features.forEach((c, i) => {
      const t = counts[i]!;
      for (let k = 0; k < c.length; k++) t[k] = t[k]! + c[k]!;
    });
    for (let k = 0; k < r.featureStats.length; k++) stats[k] = stats[k]! + r.featureStats[k]!;
  }
  return dataQuality(profile, counts, stats, q);
}
