/**
 * Data quality per version over a range (data-quality.ts), from the rollups' feature
 * histograms and feature stats — no raw records — and ingest freshness: the end of the minute
 * of the newest prediction, per version and for the model.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import { addCountsInto } from './count-blobs.ts';
import { dataQuality, secondsSince, type DataQualityFlag, type DataQualityOptions, type VersionQuality } from './data-quality.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planForWindows, resolveRange, windowIndex, type RangeInput } from './queries.ts';
import { noProfileMessage } from './query-drift.ts';
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

/** One window of a query with a step: the rates per feature of its records. */
export interface DataQualityWindow {
  ts: number;
  records: number;
  rejected: number;
  features: {
    feature: string;
    missingRate: number | null;
    outOfRangeRate: number | null;
    unseenRate: number | null;
    typeErrorRate: number | null;
    meanShiftSigmas: number | null;
    flags: DataQualityFlag[];
  }[];
}

export interface VersionDataQuality extends VersionQuality, Freshness {
  version: string;
  /** With a step: per window (the totals above then cover every window). */
  windows?: DataQualityWindow[];
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
  const range = resolveRange({ from: q.from, to: q.to, step: q.step }, now, { wholeRange: true });
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
  const windowed = q.step !== undefined;
  const out: VersionDataQuality[] = [];
  for (const version of versions) {
    const eff = await ctx.profiles.effective(model, version);
    if (!eff) {
      out.push({
        version,
        profile: null,
        message: noProfileMessage(model, version),
        ...dataQuality({ format: 1, source: 'rows', rows: 0, createdAt: '', features: [] }, [], []),
        ...freshness(last.get(version)),
        ...(windowed ? { windows: [] } : {}),
      });
      continue;
    }
    const { total, windows } = await versionQuality(ctx, model, version, eff.profile, range, q);
    out.push({
      version,
      profile: { version: eff.version, source: eff.profile.source, rows: eff.profile.rows, createdAt: eff.profile.createdAt },
      ...total,
      ...freshness(last.get(version)),
      ...(windowed ? { windows } : {}),
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
): Promise<{ total: VersionQuality; windows: DataQualityWindow[] }> {
  const layout = compileProfile(profile).layout;
  const { rows, memory } = await collectRollups(ctx, model, planForWindows(range), [range.readFrom, range.readTo], {
    versions: [version],
    arms: q.arms,
    layout,
    featureStats: true,
  });
  type Sums = { counts: Float64Array[]; stats: Float64Array };
  const alloc = (): Sums => ({ counts: layout.sizes.map((size) => new Float64Array(size)), stats: new Float64Array(layout.sizes.length * FEATURE_STATS_WIDTH) });
  const sums: (Sums | undefined)[] = new Array(range.starts.length).fill(undefined);
  for (const row of rows) {
    const w = windowIndex(range, Number(row.bucket_start));
    if (w < 0) continue;
    const target = (sums[w] ??= alloc());
    if (row.features) addCountsInto(row.features, target.counts);
    // Rows written before migration 0105 have no stats: zeros.
    if (row.feature_stats) addCountsInto(row.feature_stats, [target.stats]);
  }
  for (const r of memory) {
    const w = windowIndex(range, r.bucketStart);
    if (w < 0) continue;
    const target = (sums[w] ??= alloc());
    r.features.forEach((c, i) => addInto(target.counts[i]!, c));
    addInto(target.stats, r.featureStats);
  }
  const all = alloc();
  for (const s of sums) {
    if (!s) continue;
    s.counts.forEach((c, i) => addInto(all.counts[i]!, c));
    addInto(all.stats, s.stats);
  }
  const total = dataQuality(profile, all.counts, all.stats, q);
  if (q.step === undefined) return { total, windows: [] };
  const empty = alloc();
  const windows = range.starts.map((ts, w): DataQualityWindow => {
    const s = sums[w] ?? empty;
    const d = dataQuality(profile, s.counts, s.stats, q);
    return {
      ts,
      records: d.records,
      rejected: d.rejected,
      features: d.features.map((f) => ({
        feature: f.feature,
        missingRate: f.missingRate,
        outOfRangeRate: f.outOfRangeRate,
        unseenRate: f.unseenRate,
        typeErrorRate: f.typeErrorRate,
        meanShiftSigmas: f.meanShiftSigmas,
        flags: f.flags,
      })),
    };
  });
  return { total, windows };
}

function addInto(target: Float64Array, source: ArrayLike<number>): void {
  for (let k = 0; k < source.length; k++) target[k] = target[k]! + source[k]!;
}
