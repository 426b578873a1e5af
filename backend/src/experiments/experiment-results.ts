/**
 * Query: an experiment's results since its start. One totals read from the monitor per
 * weight period (so each request is expected under the split in force when it was served),
 * summed per arm, and one read of per-unit sums over the whole window (unit-analysis.ts;
 * its closed hours' and closed minutes' bucket sums cached like the totals), then the
 * statistics of results.ts.
 *
 * The totals are read in three parts so that an evaluation every second (autoDecide) costs
 * the newest minutes only: closed hours (cached, re-read when the TTL ends), the minutes
 * since then up to the last `FRESH_MINUTES` (cached under a key that moves every minute, so
 * read once a minute, or sooner when the TTL ends), and those last minutes, read every time.
 * Late outcomes on a cached minute show up within a minute (and within the TTL for an hour).
 */
import type { Clock } from '../core/clock.ts';
import type { LatencySketch } from '../monitor/latency-sketch.ts';
import { ClosedTotalsCache, type SeriesCounts } from './closed-totals-cache.ts';
import type { UnitSums } from '../monitor/query-units.ts';
import { seriesKey } from '../monitor/rollup.ts';
import type { Experiment } from './experiment-store.ts';
import { addCounts, emptyCounts, latencySumSquares, type ArmCounts } from './metric-catalog.ts';
import { computeResults, type ExperimentResults } from './results.ts';
import { readUnitArms, type UnitTotalsSource } from './unit-analysis.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The current minute and the one before are read fresh: the monitor may still be adding to them. */
const FRESH_MINUTES = 2;

/** Rollup counters of one (version, arm) series, as the monitor's totals returns them. */
export interface TotalsRow {
  version: string;
  arm: string;
  requests: number;
  errors: number;
  impressions: number;
  clicks: number;
  conversions: number;
  labelled: number;
  positives: number;
  scoreCount?: number;
  scoreSum?: number;
  scoreSumSq?: number;
  latencyCount?: number;
  latencySum?: number;
  latency?: LatencySketch;
}

/** The monitor, as far as the results need it. */
export interface TotalsSource {
  totals(model: string, q: { from: number; to: number }): Promise<TotalsRow[]>;
}

export interface ExperimentFinder {
  /** Throws not_found for an unknown id. */
  find(id: string): Promise<Experiment>;
}

export interface ExperimentResultsDeps {
  experiments: ExperimentFinder;
  monitor: TotalsSource & UnitTotalsSource;
  closedTotals: ClosedTotalsCache;
  clock: Clock;
}

export class ExperimentResultsQuery {
  private readonly deps: ExperimentResultsDeps;
  /** The unit-bucket sums of closed hours, kept as long as the closed totals. */
  private readonly closedUnits: ClosedTotalsCache<UnitSums>;
  /** Totals of closed minutes: a new key every minute, kept apart so that they never push the closed hours out. */
  private readonly closedMinutes: ClosedTotalsCache;
  /** The unit-bucket sums of the closed minutes after the closed hours (as closedMinutes). */
  private readonly closedUnitMinutes: ClosedTotalsCache<UnitSums>;

  constructor(deps: ExperimentResultsDeps) {
    this.deps = deps;
    this.closedUnits = new ClosedTotalsCache<UnitSums>(deps.closedTotals.ttlMs);
    this.closedMinutes = new ClosedTotalsCache(deps.closedTotals.ttlMs);
    this.closedUnitMinutes = new ClosedTotalsCache<UnitSums>(deps.closedTotals.ttlMs);
  }

  async byId(id: string): Promise<ExperimentResults> {
    return this.of(await this.deps.experiments.find(id));
  }

  async of(e: Experiment): Promise<ExperimentResults> {
    const now = this.deps.clock.now();
    const end = e.stoppedAt ?? now;
    const from = e.startedAt;
    const to = Math.max(from, end);
    // Hours before the previous one are "closed": their totals are cached (closedTotals).
    const closedBefore = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
    // Period boundaries are on whole minutes, as rollups are.
    const periods = splitPeriods(e, from, to);
    const counts = e.arms.map(() => emptyCounts());
    const expected = e.arms.map(() => 0);
    const expectedImpressions = e.arms.map(() => 0);
    for (const p of periods) {
      const byKey = await this.totalsOf(e.model, p.from, p.to, closedBefore, now);
      let requests = 0;
      let impressions = 0;
      e.arms.forEach((arm, i) => {
        const c = byKey.get(seriesKey(arm.version, arm.name));
        if (!c) return;
        addCounts(counts[i]!, c);
        requests += c.requests;
        impressions += c.impressions;
      });
      p.weights.forEach((w, i) => {
        expected[i] = expected[i]! + w * requests;
        expectedImpressions[i] = expectedImpressions[i]! + w * impressions;
      });
    }
    const notes: string[] = [];
    if (periods.length > 1) {
      notes.push(
        `the split changed ${periods.length - 1} time(s); SRM expects each period's weights, effects pool all periods (if the metric drifts over time, compare within a period)`,
      );
    }
    const split = Math.min(to, Math.max(from, closedBefore));
    const closed =
      this.closedUnits.ttlMs > 0 && split - from >= HOUR_MS
        ? { before: split, cached: (read: () => Promise<UnitSums>) => this.closedUnits.get(`${e.id}\u0000${from}\u0000${split}`, read) }
        : undefined;
    // The closed minutes after that, as for the totals: a key that moves every minute.
    const unitStart = closed ? split : from;
    const minuteSplit = Math.min(to, Math.max(unitStart, Math.floor(now / MINUTE_MS) * MINUTE_MS - FRESH_MINUTES * MINUTE_MS));
    const closedMinutes =
      this.closedUnitMinutes.ttlMs > 0 && minuteSplit > unitStart
        ? { before: minuteSplit, cached: (read: () => Promise<UnitSums>) => this.closedUnitMinutes.get(`${e.id}\u0000${unitStart}\u0000${minuteSplit}`, read) }
        : undefined;
    const units = await readUnitArms(this.deps.monitor, e, periods, from, to, closed, closedMinutes);
    return computeResults({ experiment: e, counts, expectedRequests: expected, expectedImpressions, units, window: { from, to }, notes });
  }

  /**
   * Counters per (version, arm) over [from, to): closed hours (before `closedBefore`) and
   * closed minutes (before the last FRESH_MINUTES of `now`) from the cache, the rest fresh.
   */
  private async totalsOf(model: string, from: number, to: number, closedBefore: number, now: number): Promise<SeriesCounts> {
    const read = async (a: number, b: number): Promise<SeriesCounts> => {
      const out: SeriesCounts = new Map();
      for (const row of await this.deps.monitor.totals(model, { from: a, to: b })) out.set(seriesKey(row.version, row.arm), countsOf(row));
      return out;
    };
    const cache = this.deps.closedTotals;
    if (cache.ttlMs <= 0) return read(from, to);
    const cached = (c: ClosedTotalsCache, a: number, b: number) => c.get(`${model}\u0000${a}\u0000${b}`, () => read(a, b));
    const parts: Promise<SeriesCounts>[] = [];
    // Closed hours: only worth a cache entry of its own when there is at least one.
    const hourSplit = Math.min(to, Math.max(from, closedBefore));
    let start = from;
    if (hourSplit - from >= HOUR_MS) {
      parts.push(cached(cache, from, hourSplit));
      start = hourSplit;
    }
    const minuteSplit = Math.min(to, Math.max(start, Math.floor(now / MINUTE_MS) * MINUTE_MS - FRESH_MINUTES * MINUTE_MS));
    if (minuteSplit > start) parts.push(cached(this.closedMinutes, start, minuteSplit));
    if (to > minuteSplit || parts.length === 0) parts.push(read(minuteSplit, to));
    const [first, ...rest] = await Promise.all(parts);
    if (rest.length === 0) return first!;
    // The cached maps are shared by later calls: sum into fresh copies.
    const merged: SeriesCounts = new Map();
    for (const part of [first!, ...rest]) {
      for (const [k, c] of part) {
        const m = merged.get(k);
        if (m) addCounts(m, c);
        else merged.set(k, addCounts(emptyCounts(), c));
      }
    }
    return merged;
  }
}

/** The weight periods inside [from, to), on whole minutes (rollup buckets). */
export function splitPeriods(e: Experiment, from: number, to: number): { from: number; to: number; weights: number[] }[] {
  const history = e.weightHistory.length ? e.weightHistory : [{ at: e.startedAt, weights: e.arms.map((a) => a.weight) }];
  const out: { from: number; to: number; weights: number[] }[] = [];
  for (let i = 0; i < history.length; i++) {
    const start = i === 0 ? from : Math.floor(history[i]!.at / MINUTE_MS) * MINUTE_MS;
    const end = i + 1 < history.length ? Math.floor(history[i + 1]!.at / MINUTE_MS) * MINUTE_MS : to;
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b > a) out.push({ from: a, to: b, weights: history[i]!.weights });
  }
  if (out.length === 0) {
    // An empty window: the split in force at its start.
    const current = [...history].reverse().find((p, i) => i === history.length - 1 || p.at <= from) ?? history[0]!;
    out.push({ from, to: Math.max(from, to), weights: current.weights });
  }
  return out;
}

/** ArmCounts of one totals row (latency Σx² from its sketch). */
export function countsOf(row: TotalsRow): ArmCounts {
  const latencyCount = row.latencyCount ?? 0;
  const latencySum = row.latencySum ?? 0;
  const scoreCount = row.scoreCount ?? 0;
  const scoreSum = row.scoreSum ?? 0;
  return {
    requests: row.requests,
    errors: row.errors,
    impressions: row.impressions,
    clicks: row.clicks,
    conversions: row.conversions,
    labelled: row.labelled,
    positives: row.positives,
    scoreCount,
    scoreSum,
    // Float sums can land a hair below Σ²/n for constant scores.
    scoreSumSq: scoreCount > 0 ? Math.max(row.scoreSumSq ?? 0, (scoreSum * scoreSum) / scoreCount) : 0,
    latencyCount,
    latencySum,
    latencySumSq: latencySumSquares(row.latency, latencyCount, latencySum),
  };
}
