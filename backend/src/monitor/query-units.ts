/**
 * Per-unit sums of a window, for experiments analysed by randomization unit
 * (experiments/unit-analysis.ts, docs/concepts/ab-testing.md).
 *
 * From the unit buckets (unit-buckets.ts), not the raw predictions: per (version, arm) the
 * window's bucket totals X_b (day rows for whole days, hour and minute rows at the ends,
 * plus this process's unflushed minutes), then Σ_b X_b, Σ_b X_b² and Σ_b X_b·Y_b for the
 * asked pairs. The distinct units and their first periods are exact, from the exposures and
 * arrivals (unit-exposures.ts). The cost is O(arms × (buckets × time rows + hours)),
 * whatever the number of predictions or units (docs/benchmarks.md).
 *
 * With those sums and n = units, the delta method (stats/abtest/ratio.ts) gives
 * Σ_b (Y_b − r X_b)² / (n − 1) as the per-unit variance of the linearised values: exactly
 * the per-unit figure when no two units share a bucket, and otherwise the same plus the
 * cross terms of units sharing one, which have mean zero (unit-buckets.test.ts states the
 * error). n stays the unit count, so the sequential test's sample size, the power estimate
 * and the results' `units` are per unit as before.
 */
import { invalid } from '../core/errors.ts';
import type { MonitorContext } from './monitor-context.ts';
import { MINUTE_MS, seriesKey } from './rollup.ts';
import { COLUMN_INDEX, UNIT_BUCKETS, UNIT_COLUMNS, UNIT_WIDTH, type BucketSums, type Exposure, type UnitColumn } from './unit-buckets.ts';
import { countExposures, type ExposureCounts } from './unit-exposures.ts';
import { addEncodedInto, planUnitRead, readUnitRows } from './unit-store.ts';
import { minutesReadFrom, readableUnitPlan } from './retention-reads.ts';

export type { UnitColumn } from './unit-buckets.ts';

export interface UnitTotalsQuery {
  from: number;
  to: number;
  /** (numerator, denominator) pairs whose Σ over buckets of num·den is wanted. */
  pairs: readonly (readonly [UnitColumn, UnitColumn])[];
  /** Starts of periods after the first (sorted, inside the window): units are also counted by the period of their first prediction. */
  periodStarts?: readonly number[];
  /** Only these (version, arm) series (all of the model's when absent). */
  series?: readonly { version: string; arm: string }[];
  /**
   * The sums before `before` (whole minutes) through `cached` (the experiments' closed-hours
   * cache, experiment-results.ts): read once per its TTL, the rest fresh. Counts are always fresh.
   */
  closed?: { before: number; cached: (read: () => Promise<UnitSums>) => Promise<UnitSums> };
  /**
   * The sums from there (or `from`) to `before` (whole minutes: the closed minutes, the
   * experiments' key moving every minute) through `cached` as well; the rest is read fresh.
   */
  closedMinutes?: { before: number; cached: (read: () => Promise<UnitSums>) => Promise<UnitSums> };
}

/** Bucket sums per series (version \0 arm), dense (bucket-major, UNIT_WIDTH per bucket): they add over disjoint windows. */
export type UnitSums = Map<string, Float64Array>;

/** Sums over the units of one (version, arm). */
export interface UnitTotals {
  version: string;
  arm: string;
  /** Distinct units (exact). */
  units: number;
  /** Σ over units (= over buckets) of each counter. */
  sum: Record<UnitColumn, number>;
  /** Σ over buckets of each counter's bucket total squared. */
  sumSquares: Record<UnitColumn, number>;
  /** Σ over buckets of num·den per asked pair, in the query's order. */
  cross: number[];
  /** Units by the period of their first prediction in the window (length periodStarts + 1). */
  unitsByPeriod: number[];
}

function addSparseInto(sums: BucketSums, dense: Float64Array): void {
  for (const [b, v] of sums) for (let i = 0; i < UNIT_WIDTH; i++) dense[b * UNIT_WIDTH + i]! += v[i]!;
}

/** Per (version, arm) unit sums over predictions with ts in [from, to) (whole minutes, as totals) that carry a unit id. */
export async function queryUnitTotals(ctx: MonitorContext, model: string, q: UnitTotalsQuery): Promise<UnitTotals[]> {
  await ctx.modelInfo.get(model);
  if (!(Number.isFinite(q.from) && Number.isFinite(q.to))) throw invalid('from and to must be epoch milliseconds');
  const from = Math.floor(q.from / MINUTE_MS) * MINUTE_MS;
  const to = Math.ceil(q.to / MINUTE_MS) * MINUTE_MS;
  if (!(from < to)) return [];
  const starts = q.periodStarts ?? [];
  const split = q.closed ? Math.min(to, Math.max(from, Math.floor(q.closed.before / MINUTE_MS) * MINUTE_MS)) : from;
  const minuteSplit = q.closedMinutes ? Math.min(to, Math.max(split, Math.floor(q.closedMinutes.before / MINUTE_MS) * MINUTE_MS)) : split;
  const none = Promise.resolve(new Map<string, Float64Array>());
  const [closed, closedMinutes, sums] = await Promise.all([
    q.closed && split > from ? q.closed.cached(() => readSums(ctx, model, from, split, q.series)) : none,
    q.closedMinutes && minuteSplit > split ? q.closedMinutes.cached(() => readSums(ctx, model, split, minuteSplit, q.series)) : none,
    readSums(ctx, model, minuteSplit, to, q.series),
  ]);
  // The cached maps are shared by later calls: sum into the fresh one.
  for (const part of [closed, closedMinutes]) {
    for (const [k, d] of part) {
      const f = sums.get(k);
      if (!f) sums.set(k, Float64Array.from(d));
      else for (let i = 0; i < d.length; i++) f[i]! += d[i]!;
    }
  }
  const wanted = q.series ? new Set(q.series.map((s) => seriesKey(s.version, s.arm))) : undefined;
  const buffer = ctx.unflushed.buffer.units;
  for (let attempt = 0; ; attempt++) {
    await ctx.unflushed.settled();
    const flushes = ctx.unflushed.flushStarts;
    const memory: Exposure[] = [];
    for (const x of buffer.exposuresOf(model)) memory.push({ ...x });
    // Only the series with sums in the window: a unit seen in it has some (an experiment without unit ids reads no more).
    const keys = new Set([...sums.keys(), ...memory.map((x) => seriesKey(x.version, x.arm)).filter((k) => !wanted || wanted.has(k))]);
    const series = [...keys].map((k) => {
      const [version, arm] = k.split('\u0000') as [string, string];
      return { version, arm };
    });
    if (series.length === 0) return [];
    const counts = await countExposures(ctx.store, model, { from, to, starts }, series, memory, buffer);
    if (ctx.unflushed.flushStarts !== flushes && attempt < 4) continue;
    return totalsOf(sums, counts, q.pairs, starts.length);
  }
}

/** Bucket sums over [from, to) (whole minutes): stored rows plus this process's unflushed minutes. */
async function readSums(ctx: MonitorContext, model: string, from: number, to: number, series: UnitTotalsQuery['series']): Promise<UnitSums> {
  const wanted = series ? new Set(series.map((s) => seriesKey(s.version, s.arm))) : undefined;
  // Minutes retention compacted are read from their hour rows (retention-reads.ts).
  const plan = readableUnitPlan(planUnitRead(from, to), minutesReadFrom(ctx.now(), ctx.minuteRollupsKeptMs));
  const buffer = ctx.unflushed.buffer.units;
  // As collectRollups (read-rollups.ts): the buffer and the store must be read between the same two flushes.
  for (let attempt = 0; ; attempt++) {
    await ctx.unflushed.settled();
    const flushes = ctx.unflushed.flushStarts;
    const dense: UnitSums = new Map();
    const denseOf = (version: string, arm: string) => {
      const k = seriesKey(version, arm);
      let d = dense.get(k);
      if (!d) dense.set(k, (d = new Float64Array(UNIT_BUCKETS * UNIT_WIDTH)));
      return d;
    };
    for (const b of buffer.blocksOf(model, from, to)) {
      if (!wanted || wanted.has(seriesKey(b.version, b.arm))) addSparseInto(b.sums, denseOf(b.version, b.arm));
    }
    const rows = await readUnitRows(ctx.store, model, plan, series);
    if (ctx.unflushed.flushStarts !== flushes && attempt < 4) continue;
    for (const row of rows) addEncodedInto(row.sums, denseOf(row.version, row.arm));
    return dense;
  }
}

function totalsOf(dense: Map<string, Float64Array>, counts: ExposureCounts, pairs: UnitTotalsQuery['pairs'], periods: number): UnitTotals[] {
  const keys = [...new Set([...dense.keys(), ...counts.keys()])].sort();
  return keys.map((key) => {
    const [version, arm] = key.split('\u0000') as [string, string];
    const d = dense.get(key) ?? new Float64Array(UNIT_BUCKETS * UNIT_WIDTH);
    const sum = new Float64Array(UNIT_WIDTH);
    const squares = new Float64Array(UNIT_WIDTH);
    const cross = pairs.map(() => 0);
    const left = pairs.map(([a]) => COLUMN_INDEX[a]);
    const right = pairs.map(([, b]) => COLUMN_INDEX[b]);
    // Plain loops: this runs for every bucket of every arm on each results read.
    for (let at = 0; at < d.length; at += UNIT_WIDTH) {
      for (let i = 0; i < UNIT_WIDTH; i++) {
        const v = d[at + i]!;
        sum[i]! += v;
        squares[i]! += v * v;
      }
      for (let k = 0; k < cross.length; k++) cross[k]! += d[at + left[k]!]! * d[at + right[k]!]!;
    }
    const c = counts.get(key) ?? { units: 0, atOrAfter: new Array<number>(periods).fill(0) };
    // Units first seen at or after each period start → units per period.
    const unitsByPeriod = [c.units, ...c.atOrAfter].map((n, i, all) => n - (all[i + 1] ?? 0));
    return {
      version,
      arm,
      units: c.units,
      sum: Object.fromEntries(UNIT_COLUMNS.map((col, i) => [col, sum[i]!])) as Record<UnitColumn, number>,
      sumSquares: Object.fromEntries(UNIT_COLUMNS.map((col, i) => [col, squares[i]!])) as Record<UnitColumn, number>,
      cross,
      unitsByPeriod,
    };
  });
}
