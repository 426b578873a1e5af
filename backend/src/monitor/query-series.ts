/** KPI series (docs/api.md): KPIs per time bucket, grouped by version and/or arm. */
import { bucketize, KPI_NAMES, QUALITY_KPIS, type KpiName, type KpiSeries } from './kpi.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planForWindows, resolveRange, type RangeInput } from './queries.ts';
import { invalid } from '../core/errors.ts';
import { rollupsOf, versionsIn } from './read-rollups.ts';
import { ANY, SHADOW_ARM } from './rollup.ts';
import { thresholdsOf } from './quality-settings.ts';

export type KpiGrouping = 'version_arm' | 'version' | 'arm' | 'none';

export interface KpiQuery extends RangeInput {
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  kpis?: KpiName[] | undefined;
  by?: KpiGrouping | undefined;
  /** Decision threshold of accuracy, precision, recall, f1 for every series; default: each version's (quality-settings.ts). */
  threshold?: number | undefined;
}

export interface KpiResult {
  from: number;
  to: number;
  step: number;
  series: KpiSeries[];
}

/**
 * Most versions one query returns a series for. Ingest bounds the versions a model gets
 * (cardinality.ts: registered ones, at most MODELWATCH_MAX_UNREGISTERED_KEYS others, then
 * `__other__`), but rollups written before that, or under a raised cap, may hold very many
 * (issue 16: 200k versions, and `by=version` exhausted the heap); past this the query names
 * the versions it wants or groups by arm.
 */
export const MAX_SERIES_VERSIONS = 500;

export async function querySeries(ctx: MonitorContext, model: string, q: KpiQuery = {}): Promise<KpiResult> {
  const info = await ctx.modelInfo.get(model);
  const range = resolveRange(q, ctx.now());
  const threshold = q.threshold ?? thresholdsOf(info.settings);
  const kpis = q.kpis?.length ? q.kpis : [...KPI_NAMES];
  const latency = kpis.some((k) => k.startsWith('latency_'));
  const quality = kpis.some((k) => QUALITY_KPIS.includes(k));
  const by = q.by ?? 'version_arm';
  if ((by === 'version' || by === 'version_arm') && !q.versions?.length) {
    const count = (await versionsIn(ctx, model, range.readFrom, range.readTo)).length;
    if (count > MAX_SERIES_VERSIONS) {
      throw invalid(`query.by: ${count} versions have traffic in this range, more than the ${MAX_SERIES_VERSIONS} one query returns series for; name them with query.version, or use by=arm or by=none`);
    }
  }
  let rollups = await rollupsOf(ctx, model, planForWindows(range), [range.readFrom, range.readTo], {
    versions: q.versions,
    arms: q.arms,
    latency,
    quality,
  });
  if (by === 'version' || by === 'none') {
    // A shadow scores requests the champion already served (serving/shadow-scorer.ts): merged
    // into the champion's arm it would count each request twice. Its own series is by arm.
    if (!q.arms?.includes(SHADOW_ARM)) rollups = rollups.filter((r) => r.arm !== SHADOW_ARM);
  }
  if (by !== 'version_arm') {
    for (const r of rollups) {
      if (by === 'version' || by === 'none') r.arm = ANY;
      if (by === 'arm' || by === 'none') r.version = ANY;
    }
  }
  const { series } = bucketize(rollups, range.from, range.to, range.step, { kpis, threshold });
  return { from: range.from, to: range.to, step: range.step, series };
}
