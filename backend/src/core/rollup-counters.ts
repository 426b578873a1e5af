/**
 * The additive counters of a monitoring rollup, listed once: the rollup itself, its codec,
 * its store row (snake_case columns), the monitor's totals and the experiments' arm counts
 * all carry exactly these fields.
 */
export const ROLLUP_COUNTER_FIELDS = [
  'requests',
  'errors',
  'impressions',
  'clicks',
  'conversions',
  'labelled',
  'positives',
  'scoreCount',
  'scoreSum',
  'scoreSumSq',
  'latencyCount',
  'latencySum',
] as const;

export type RollupCounterField = (typeof ROLLUP_COUNTER_FIELDS)[number];

export type RollupCounters = Record<RollupCounterField, number>;

/** Float sums (any finite value); the other counters are counts ≥ 0. */
export const ROLLUP_SUM_FIELDS: readonly RollupCounterField[] = ['scoreSum', 'scoreSumSq', 'latencySum'];

type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}` ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}` : S;

/** The store column of a counter (`scoreSumSq` → `score_sum_sq`). */
export type RollupCounterColumn = SnakeCase<RollupCounterField>;

export function counterColumn<F extends RollupCounterField>(field: F): SnakeCase<F> {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as SnakeCase<F>;
}

/** Each counter with its column, computed once (rows are converted per query row). */
const FIELD_COLUMNS: readonly (readonly [RollupCounterField, RollupCounterColumn])[] = ROLLUP_COUNTER_FIELDS.map((f) => [f, counterColumn(f)] as const);

export const ROLLUP_COUNTER_COLUMNS: readonly RollupCounterColumn[] = FIELD_COLUMNS.map(([, c]) => c);

export function zeroCounters(): RollupCounters {
  const out = {} as RollupCounters;
  for (const f of ROLLUP_COUNTER_FIELDS) out[f] = 0;
  return out;
}

/** The counters of `from` (a rollup, a total…) as a plain object. */
export function pickCounters(from: RollupCounters): RollupCounters {
  const out = {} as RollupCounters;
  for (const f of ROLLUP_COUNTER_FIELDS) out[f] = from[f];
  return out;
}

/** Adds `source`'s counters into `target`. */
export function addCountersInto(target: RollupCounters, source: RollupCounters): void {
  for (const f of ROLLUP_COUNTER_FIELDS) target[f] += source[f];
}

/** Counters → their store columns. */
export function countersToColumns(c: RollupCounters): Record<RollupCounterColumn, number> {
  const out = {} as Record<RollupCounterColumn, number>;
  for (const [f, column] of FIELD_COLUMNS) out[column] = c[f];
  return out;
}

/** Store columns (numbers, or strings/bigints as a driver may return them) → counters. */
export function countersFromColumns(row: Record<RollupCounterColumn, unknown>): RollupCounters {
  const out = {} as RollupCounters;
  for (const [f, column] of FIELD_COLUMNS) out[f] = Number(row[column]);
  return out;
}
