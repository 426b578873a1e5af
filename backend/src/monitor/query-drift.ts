/** Drift per version and window, against the version's (or the champion's) reference profile. */
import { DomainError, invalid } from '../core/errors.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { driftFromHistograms, type DriftMethod } from '../stats/drift/index.ts';
import { addCountsInto } from './count-blobs.ts';
import type { MonitorContext } from './monitor-context.ts';
import {
  driftOfWindow,
  methodsForRange,
  planForWindows,
  resolveRange,
  windowIndex,
  type DriftSettings,
  type RangeInput,
  type ResolutionPlan,
  type WindowDrift,
} from './queries.ts';
import { collectWithClosed } from './read-closed.ts';
import { versionsIn } from './read-rollups.ts';
import type { RollupRow } from './rollup-store.ts';
import { compileProfile } from './rollup-layout.ts';

export interface DriftQuery extends RangeInput {
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  features?: string[] | undefined;
  methods?: DriftMethod[] | undefined;
  /** 'minute' reads minute rollups only (benchmarks); default: hours where they fit. */
  resolution?: 'auto' | 'minute';
}

export interface VersionDrift {
  version: string;
  /** Whose profile the histograms were compared with (the version's own or the champion's). */
  profile: { version: string; source: string; rows: number; createdAt: string } | null;
  message?: string;
  windows: WindowDrift[];
}

export interface DriftResult {
  from: number;
  to: number;
  step: number;
  versions: VersionDrift[];
}

type Range = ReturnType<typeof resolveRange>;

/** Why a version has no drift or data quality: no profile of its own nor a champion's to compare with. */
export const noProfileMessage = (model: string, version: string): string =>
  `no reference profile for version "${version}" (nor for a champion); create one with POST /api/v1/models/${model}/versions/${version}/profile`;

export async function queryDrift(ctx: MonitorContext, model: string, q: DriftQuery = {}): Promise<DriftResult> {
  const info = await ctx.modelInfo.get(model);
  const range = resolveRange(q, ctx.now(), { wholeRange: true });
  const settings = driftSettings(model, info.settings, q.methods);
  const versions = q.versions?.length ? q.versions : await versionsIn(ctx, model, range.readFrom, range.readTo);
  const out: VersionDrift[] = [];
  for (const version of versions) {
    const eff = await ctx.profiles.effective(model, version);
    if (!eff) {
      out.push({
        version,
        profile: null,
        message: noProfileMessage(model, version),
        windows: [],
      });
      continue;
    }
    out.push(await versionDrift(ctx, model, version, eff.profile, eff.version, range, settings, q));
  }
  return { from: range.from, to: range.to, step: range.step, versions: out };
}

/** The model's settings.drift (validated) with the query's methods. */
function driftSettings(model: string, settings: Record<string, unknown>, methods?: DriftMethod[]): DriftSettings {
  const configured = (settings.drift ?? {}) as DriftSettings;
  if (typeof configured !== 'object' || configured === null || Array.isArray(configured)) {
    throw new DomainError('failed_precondition', `model "${model}" settings.drift must be an object`);
  }
  const out: DriftSettings = { ...configured };
  if (methods?.length) out.methods = methods;
  try {
    // Validates the settings (nothing to evaluate with no features).
    driftFromHistograms({ format: 1, source: 'rows', rows: 0, createdAt: '', features: [] }, {}, out);
  } catch (error) {
    if (error instanceof DomainError) {
      throw new DomainError('failed_precondition', `model "${model}" settings.drift: ${error.message}`);
    }
    throw error;
  }
  return out;
}

async function versionDrift(
  ctx: MonitorContext,
  model: string,
  version: string,
  profile: ReferenceProfile,
  profileVersion: string,
  range: Range,
  settings: DriftSettings,
  q: DriftQuery,
): Promise<VersionDrift> {
  const layout = compileProfile(profile).layout;
  let selected = profile.features.map((_, i) => i);
  if (q.features?.length) {
    selected = q.features.map((name) => {
      const i = layout.names.indexOf(name);
      if (i < 0) throw invalid(`query.feature: "${name}" is not in the reference profile of version "${profileVersion}" (features: ${layout.names.join(', ')})`);
      return i;
    });
  }
  const plan: ResolutionPlan = q.resolution === 'minute' ? { hours: [], minutes: [[range.readFrom, range.readTo]] } : planForWindows(range);
  const n = range.starts.length;
  const sums: (Float64Array[] | undefined)[] = new Array(n).fill(undefined);
  const alloc = () => layout.sizes.map((size) => new Float64Array(size));
  // A closed bucket's histograms summed once and cached (closed-buckets.ts); the rest read as rows.
  const bucketSums = (rows: RollupRow[]): Float64Array[] | null => {
    let target: Float64Array[] | null = null;
    for (const row of rows) if (row.features) addCountsInto(row.features, (target ??= alloc()));
    return target;
  };
  const scope = `drift\u0000${version}\u0000${layout.id}\u0000${[...(q.arms ?? [])].sort().join('\u0001')}`;
  const read = await collectWithClosed(ctx, ctx.closedBuckets.drift, model, scope, plan, [range.readFrom, range.readTo], { versions: [version], arms: q.arms, layout }, bucketSums);
  for (const part of [read.hours, read.minutes]) {
    for (const { start, value } of part.closed) {
      const w = windowIndex(range, start);
      if (w < 0 || !value) continue;
      const target = (sums[w] ??= alloc());
      value.forEach((counts, i) => {
        const t = target[i]!;
        for (let k = 0; k < counts.length; k++) t[k] = t[k]! + counts[k]!;
      });
    }
    for (const row of part.open) {
      const w = windowIndex(range, Number(row.bucket_start));
      if (w < 0 || !row.features) continue;
      const target = (sums[w] ??= alloc());
      addCountsInto(row.features, target);
    }
  }
  for (const r of read.memory) {
    const w = windowIndex(range, r.bucketStart);
    if (w < 0) continue;
    const target = (sums[w] ??= alloc());
    r.features.forEach((counts, i) => {
      const t = target[i]!;
      for (let k = 0; k < counts.length; k++) t[k] = t[k]! + counts[k]!;
    });
  }
  const totals = alloc();
  for (const s of sums) if (s) s.forEach((counts, i) => counts.forEach((c, k) => (totals[i]![k] = totals[i]![k]! + c)));
  const methodByFeature = methodsForRange(profile, totals);
  const empty = alloc();
  const windows: WindowDrift[] = range.starts.map((ts, w) => {
    const counts = sums[w] ?? empty;
    let count = 0;
    for (const c of counts[0] ?? []) count += c;
    const d = driftOfWindow(profile, counts, selected, settings, methodByFeature);
    return {
      ts,
      from: new Date(ts).toISOString(),
      to: new Date(ts + range.step).toISOString(),
      count,
      ...d,
    };
  });
  return {
    version,
    profile: { version: profileVersion, source: profile.source, rows: profile.rows, createdAt: profile.createdAt },
    windows,
  };
}
