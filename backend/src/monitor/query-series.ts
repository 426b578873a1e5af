/** KPI series (docs/api.md): KPIs per time bucket, grouped by version and/or arm. */
import { bucketize, KPI_NAMES, type KpiName, type KpiSeries } from './kpi.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planForWindows, resolveRange, type RangeInput } from './queries.ts';
import { rollupsOf } from './read-rollups.ts';
import { ANY } from './rollup.ts';

export type KpiGrouping = 'version_arm' | 'version' | 'arm' | 'none';

export interface KpiQuery extends RangeInput {
  versions?: string[] | undefined;
  arms?: string[] | undefined;
  kpis?: KpiName[] | undefined;
  by?: KpiGrouping | undefined;
}

export interface KpiResult {
  from: number;
  to: number;
  step: number;
  series: KpiSeries[];
}

export async function querySeries(ctx: MonitorContext, model: string, q: KpiQuery = {}): Promise<KpiResult> {
  await ctx.modelInfo.get(model);
  const range = resolveRange(q, ctx.now());
  const kpis = q.kpis?.length ? q.kpis : [...KPI_NAMES];
  const latency = kpis.some((k) => k.startsWith('latency_'));
  const rollups = await rollupsOf(ctx, model, planForWindows(range), [range.readFrom, range.readTo], {
    versions: q.versions,
    arms: q.arms,
    latency,
  });
  const by = q.by ?? 'version_arm';
  if (by !== 'version_arm') {
    for (const r of rollups) {
      if (by === 'version' || by === 'none') r.arm = ANY;
      if (by === 'arm' || by === 'none') r.version = ANY;
    }
  }
  const { series } = bucketize(rollups, range.from, range.to, range.step, { kpis });
  return { from: range.from, to: range.to, step: range.step, series };
}
