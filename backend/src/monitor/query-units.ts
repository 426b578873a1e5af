/**
 * Per-unit sums of a window's predictions, for experiments analysed by randomization unit
 * (experiments/unit-analysis.ts, docs/concepts/ab-testing.md).
 *
 * One SQL statement: the window's predictions that carry a unit id are grouped by
 * (version, arm, unit) into per-unit counters (requests, errors, the outcome state each
 * prediction row holds, latency and score sums), and those are summed per (version, arm)
 * with their squares and the cross products of the asked (numerator, denominator) pairs —
 * the sufficient statistics of the delta method (stats/abtest/ratio.ts), and the exact count
 * of distinct units, also by the period of their first exposure (SRM).
 *
 * Exact (no sketch, no bucketing), and mergeable across replicas because every replica writes
 * the same table; outcomes count as soon as they are joined to their prediction's row. The
 * cost is one pass over the rows ingested during the window (found by their batches' row
 * range, raw-record-store.ts): see docs/benchmarks.md for what that costs per unit.
 */
import { sql } from 'kysely';
import { invalid } from '../core/errors.ts';
import type { MonitorContext } from './monitor-context.ts';
import { predictionBatchSpans } from './raw-record-store.ts';
import { maxOf, minOf } from '../core/arrays.ts';

/** Per-unit counters, each the sum over the unit's predictions in the window. */
export const UNIT_COLUMNS = {
  requests: 'count(*)',
  errors: 'sum(case when error is null then 0 else 1 end)',
  impressions: 'sum(coalesce(impression, 0))',
  clicks: 'sum(coalesce(click, 0))',
  conversions: 'sum(coalesce(conversion, 0))',
  labelled: 'sum(case when label is null then 0 else 1 end)',
  positives: 'sum(case when label = 1 then 1 else 0 end)',
  latencyCount: 'sum(case when latency_ms is null then 0 else 1 end)',
  latencySum: 'sum(coalesce(latency_ms, 0))',
  scoreCount: 'sum(case when score is null then 0 else 1 end)',
  scoreSum: 'sum(coalesce(score, 0))',
} as const;

export type UnitColumn = keyof typeof UNIT_COLUMNS;
const COLUMNS = Object.keys(UNIT_COLUMNS) as UnitColumn[];

export interface UnitTotalsQuery {
  from: number;
  to: number;
  /** (numerator, denominator) pairs whose Σ over units of num·den is wanted. */
  pairs: readonly (readonly [UnitColumn, UnitColumn])[];
  /** Starts of periods after the first (sorted, inside the window): units are also counted by the period of their first prediction. */
  periodStarts?: readonly number[];
}

/** Sums over the units of one (version, arm). */
export interface UnitTotals {
  version: string;
  arm: string;
  units: number;
  sum: Record<UnitColumn, number>;
  sumSquares: Record<UnitColumn, number>;
  /** Σ num·den per asked pair, in the query's order. */
  cross: number[];
  /** Units by the period of their first prediction in the window (length periodStarts + 1). */
  unitsByPeriod: number[];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Per (version, arm) unit sums over predictions with ts in [from, to) that carry a unit id. */
export async function queryUnitTotals(ctx: MonitorContext, model: string, q: UnitTotalsQuery): Promise<UnitTotals[]> {
  await ctx.modelInfo.get(model);
  if (!(Number.isFinite(q.from) && Number.isFinite(q.to))) throw invalid('from and to must be epoch milliseconds');
  if (!(q.from < q.to)) return [];
  const spans = await predictionBatchSpans(ctx.store, model, q.from, q.to);
  if (spans.length === 0) return [];
  const first = minOf(spans.map((s) => s.minSeq));
  const last = maxOf(spans.map((s) => s.maxSeq));
  const starts = q.periodStarts ?? [];
  // Column expressions are this file's constants; only values are parameters.
  const inner = COLUMNS.map((c) => sql`cast(${sql.raw(UNIT_COLUMNS[c])} as double precision) as ${sql.ref(c)}`);
  const outer = [
    ...COLUMNS.map((c) => sql`sum(${sql.ref(`u.${c}`)}) as ${sql.ref(`s_${c}`)}`),
    ...COLUMNS.map((c) => sql`sum(${sql.ref(`u.${c}`)} * ${sql.ref(`u.${c}`)}) as ${sql.ref(`q_${c}`)}`),
    ...q.pairs.map(([a, b], i) => sql`sum(${sql.ref(`u.${a}`)} * ${sql.ref(`u.${b}`)}) as ${sql.ref(`x_${i}`)}`),
    ...starts.map((at, i) => sql`sum(case when u.first_ts >= ${at} then 1 else 0 end) as ${sql.ref(`p_${i}`)}`),
  ];
  const result = await sql<Record<string, unknown>>`
    select u.version, u.arm, count(*) as units, ${sql.join(outer)}
    from (
      select version, arm, unit_id, min(ts) as first_ts, ${sql.join(inner)}
      from predictions
      where seq >= ${first} and seq <= ${last} and model = ${model} and ts >= ${q.from} and ts < ${q.to} and unit_id is not null
      group by version, arm, unit_id
    ) u
    group by u.version, u.arm
    order by u.version, u.arm`.execute(ctx.store.db);
  return result.rows.map((row) => {
    const units = num(row.units);
    // Units first seen at or after each period start → units per period.
    const atOrAfter = starts.map((_, i) => num(row[`p_${i}`]));
    const unitsByPeriod = [units, ...atOrAfter].map((n, i, all) => n - (all[i + 1] ?? 0));
    return {
      version: String(row.version),
      arm: String(row.arm),
      units,
      sum: Object.fromEntries(COLUMNS.map((c) => [c, num(row[`s_${c}`])])) as Record<UnitColumn, number>,
      sumSquares: Object.fromEntries(COLUMNS.map((c) => [c, num(row[`q_${c}`])])) as Record<UnitColumn, number>,
      cross: q.pairs.map((_, i) => num(row[`x_${i}`])),
      unitsByPeriod,
    };
  });
}
