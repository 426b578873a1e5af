/**
 * Reading rollups for queries: stored rows (hour rows where an hour lies inside one window)
 * plus this process's unflushed rollups — never raw records. Other replicas' unflushed
 * rollups become visible within a flush interval.
 */
import type { MonitorContext } from './monitor-context.ts';
import type { ResolutionPlan } from './queries.ts';
import { HOUR_MS, MINUTE_MS, type Rollup } from './rollup.ts';
import type { HistogramLayout } from './rollup-layout.ts';
import { cloneRollup } from './rollup-merge.ts';
import { readRollupRows, rowToRollup, storedVersions, type RollupRow } from './rollup-store.ts';
import { minutesReadFrom, readablePlan } from './retention-reads.ts';

export interface RollupSelection {
  versions?: readonly string[] | undefined;
  arms?: readonly string[] | undefined;
  latency?: boolean;
  /** Read the label histograms (quality KPIs) / the score histogram (score drift). */
  quality?: boolean;
  scores?: boolean;
  /** Only rollups with feature histograms of this layout (drift). */
  layout?: HistogramLayout;
  /** With `layout`: read the per-feature sums and type-error counts too (data quality). */
  featureStats?: boolean;
}

/**
 * Stored rows of a plan plus this process's unflushed rollups, consistently: no flush may
 * start between taking the buffer's rollups and reading the store (or a rollup would be
 * counted twice or not at all); if one did, read again. The hour rows come first (`hourRows` of them).
 */
export async function collectRollups(
  ctx: MonitorContext,
  model: string,
  plan: ResolutionPlan,
  span: readonly [number, number],
  o: RollupSelection,
): Promise<{ rows: RollupRow[]; memory: Rollup[]; hourRows: number }> {
  // Minutes retention compacted are read from their hour rows (retention-reads.ts).
  const readable = readablePlan(plan, minutesReadFrom(ctx.now(), ctx.minuteRollupsKeptMs));
  const common = {
    model,
    versions: o.versions,
    arms: o.arms,
    latency: o.latency ?? false,
    quality: o.quality ?? false,
    scores: o.scores ?? false,
    features: o.layout !== undefined,
    layouts: o.layout ? [o.layout.id] : undefined,
    histogramsOnly: o.layout !== undefined,
    featureStats: o.featureStats ?? false,
  };
  const versions = o.versions?.length ? new Set(o.versions) : undefined;
  const arms = o.arms?.length ? new Set(o.arms) : undefined;
  for (let attempt = 0; ; attempt++) {
    await ctx.unflushed.settled();
    const starts = ctx.unflushed.flushStarts;
    const memory: Rollup[] = [];
    for (const r of ctx.unflushed.buffer.of(model, span[0], span[1])) {
      if (versions && !versions.has(r.version)) continue;
      if (arms && !arms.has(r.arm)) continue;
      if (o.layout && r.layout?.id !== o.layout.id) continue;
      memory.push(cloneRollup(r));
    }
    const [hours, minutes] = await Promise.all([
      readable.hours.length ? readRollupRows(ctx.store, { ...common, bucketMs: HOUR_MS, ranges: readable.hours }) : Promise.resolve([]),
      readable.minutes.length ? readRollupRows(ctx.store, { ...common, bucketMs: MINUTE_MS, ranges: readable.minutes }) : Promise.resolve([]),
    ]);
    if (ctx.unflushed.flushStarts === starts || attempt >= 4) return { rows: [...hours, ...minutes], memory, hourRows: hours.length };
  }
}

/** Rollups (stored and unflushed) of a plan, as Rollup objects without histograms. */
export async function rollupsOf(
  ctx: MonitorContext,
  model: string,
  plan: ResolutionPlan,
  span: readonly [number, number],
  o: { versions?: readonly string[] | undefined; arms?: readonly string[] | undefined; latency: boolean; quality?: boolean; scores?: boolean },
): Promise<Rollup[]> {
  const { rows, memory } = await collectRollups(ctx, model, plan, span, o);
  const out = rows.map((row) => rowToRollup(model, row));
  for (const r of memory) out.push(withoutHistograms(r));
  return out;
}

/** An unflushed rollup (a clone) as rollupsOf returns it: no feature histograms. */
export function withoutHistograms(r: Rollup): Rollup {
  r.layout = null;
  r.features = [];
  r.featureStats = new Float64Array(0);
  return r;
}

/** Versions with rollups in [from, to) (stored or unflushed), sorted. */
export async function versionsIn(ctx: MonitorContext, model: string, from: number, to: number): Promise<string[]> {
  const set = new Set(await storedVersions(ctx.store, model, from, to));
  for (const r of ctx.unflushed.buffer.of(model, from, to)) set.add(r.version);
  return [...set].sort();
}
