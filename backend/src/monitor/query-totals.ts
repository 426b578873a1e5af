/** Totals: the merged rollup counters per (version, arm) over a range (canary guardrails, experiments). */
import { invalid } from '../core/errors.ts';
import { pickCounters, type RollupCounters } from '../core/rollup-counters.ts';
import type { LatencySketch } from './latency-sketch.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planResolution } from './queries.ts';
import { rollupsOf } from './read-rollups.ts';
import { MINUTE_MS, type Rollup } from './rollup.ts';
import { cloneRollup, mergeInto } from './rollup-merge.ts';

/** Merged rollup counters of one (version, arm) over a time range. */
export interface RollupTotals extends RollupCounters {
  version: string;
  arm: string;
  /** ms; null without latencies. */
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  /** The merged sketch, for other quantiles. */
  latency: LatencySketch;
}

export interface TotalsQuery {
  from: number;
  to: number;
  version?: string | undefined;
  arm?: string | undefined;
}

/** Merged counters per (version, arm) over [from, to) (whole minutes). */
export async function queryTotals(ctx: MonitorContext, model: string, q: TotalsQuery): Promise<RollupTotals[]> {
  await ctx.modelInfo.get(model);
  if (!(Number.isFinite(q.from) && Number.isFinite(q.to))) throw invalid('from and to must be epoch milliseconds');
  const from = Math.floor(q.from / MINUTE_MS) * MINUTE_MS;
  const to = Math.ceil(q.to / MINUTE_MS) * MINUTE_MS;
  if (!(from < to)) return [];
  const plan = planResolution(from, to);
  const rollups = await rollupsOf(ctx, model, plan, [from, to], {
    versions: q.version === undefined ? undefined : [q.version],
    arms: q.arm === undefined ? undefined : [q.arm],
    latency: true,
  });
  const groups = new Map<string, Rollup>();
  for (const r of rollups) {
    const k = `${r.version}\u0000${r.arm}`;
    const g = groups.get(k);
    if (g) mergeInto(g, r, { onLayoutMismatch: 'drop' });
    else groups.set(k, cloneRollup(r));
  }
  return [...groups.values()]
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0))
    .map((r) => ({
      version: r.version,
      arm: r.arm,
      ...pickCounters(r),
      latencyP50: r.latency.quantile(0.5),
      latencyP90: r.latency.quantile(0.9),
      latencyP99: r.latency.quantile(0.99),
      latency: r.latency,
    }));
}
