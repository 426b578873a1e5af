/**
 * Reading over compacted time (issue 20; retention.ts deletes minute rollups and minute unit
 * buckets older than MODELWATCH_RETENTION_MINUTE_ROLLUPS). The hour rows, written beside the
 * minute rows by every flush (flush.ts), hold the same sums; so before the compaction horizon a
 * query reads the hour rows whose hour starts in the minutes it asked for: an hour's traffic
 * counts as if it all fell in the hour's first minute (rounded to the hour). Totals over
 * whole hours stay exact; a window edge inside a compacted hour takes that hour whole or not
 * at all, by where the hour starts (docs/operations.md#retention).
 */
import type { ResolutionPlan } from './queries.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';

/**
 * The start of the first hour whose minute rows every query still reads; before it, hour rows.
 * -Infinity when minute rows are kept for ever.
 */
export function minutesReadFrom(now: number, keptMs: number): number {
  if (!Number.isFinite(keptMs)) return Number.NEGATIVE_INFINITY;
  return Math.floor((now - keptMs) / HOUR_MS) * HOUR_MS;
}

/**
 * Minute rows starting before this may be deleted at `now`: an hour before what queries read
 * from minutes, so a replica whose clock is behind (up to an hour) never asks for deleted rows.
 */
export function minutesDeletableBefore(now: number, keptMs: number): number {
  return minutesReadFrom(now, keptMs) - HOUR_MS;
}

/** The plan with its minute ranges before `readFrom` read from hour rows (by the hour's start). */
export function readablePlan(plan: ResolutionPlan, readFrom: number): ResolutionPlan {
  const first = plan.minutes[0];
  if (first === undefined || first[0] >= readFrom) return plan;
  const hours: [number, number][] = plan.hours.map(([a, b]) => [a, b]);
  const minutes: [number, number][] = [];
  for (const [a, b] of plan.minutes) {
    if (b <= readFrom) hours.push([a, b]);
    else if (a < readFrom) {
      hours.push([a, readFrom]);
      minutes.push([readFrom, b]);
    } else minutes.push([a, b]);
  }
  return { hours: mergeRanges(hours), minutes };
}

/** Sorted union of half-open ranges (the plan's ranges are disjoint; adjacent ones join). */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export interface UnitReadSpan {
  bucketMs: number;
  from: number;
  to: number;
}

/** As readablePlan, for unit-bucket reads (unit-store.ts planUnitRead): minute spans before `readFrom` read hour rows. */
export function readableUnitPlan(plan: readonly UnitReadSpan[], readFrom: number): UnitReadSpan[] {
  const out: UnitReadSpan[] = [];
  for (const p of plan) {
    if (p.bucketMs !== MINUTE_MS || p.from >= readFrom) out.push(p);
    else if (p.to <= readFrom) out.push({ bucketMs: HOUR_MS, from: p.from, to: p.to });
    else {
      out.push({ bucketMs: HOUR_MS, from: p.from, to: readFrom });
      out.push({ bucketMs: MINUTE_MS, from: readFrom, to: p.to });
    }
  }
  return out;
}
