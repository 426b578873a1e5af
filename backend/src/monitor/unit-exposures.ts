/**
 * Distinct units per (version, arm) in a window, and by the weight period of their first
 * exposure (SRM: experiments/unit-analysis.ts), from `unit_exposures` (unit-store.ts) plus
 * this process's unflushed exposures. Exact: a unit counts in the window when it was first
 * seen before the window's end and last seen in or after the hour the window starts in; it
 * counts in the period of its first prediction, or in the first period when it was already
 * seen in that (version, arm) before the window (arm names reused from an earlier experiment).
 * One limit: a unit seen in the window's first hour only before the window starts counts too
 * (the last sighting is kept per hour, so that a busy unit is written at most once an hour).
 *
 * Cost: per arm the window's day and end-hour rows of `unit_arrivals`, the units first seen
 * in its end minutes, and an index range over the units first seen before the window (none
 * unless its (version, arm) was used before) — not the window's units or predictions.
 */
import type { Store } from '../store/database.ts';
import { HOUR_MS, MINUTE_MS, seriesKey } from './rollup.ts';
import { planUnitRead } from './unit-store.ts';
import type { Exposure, UnitBucketBuffer } from './unit-buckets.ts';

export interface ExposureWindow {
  from: number;
  to: number;
  /** Starts of the periods after the first, sorted, inside the window. */
  starts: readonly number[];
}

/** Per series key (version \0 arm): units in the window, and those first seen at or after each period start. */
export type ExposureCounts = Map<string, { units: number; atOrAfter: number[] }>;

/** The period index of an exposure in the window, or -1 when it is not in the window. */
export function periodOf(x: { first: number; lastHour: number }, w: ExposureWindow): number {
  if (!(x.first < w.to && x.lastHour >= Math.floor(w.from / HOUR_MS) * HOUR_MS)) return -1;
  let p = 0;
  while (p < w.starts.length && x.first >= w.starts[p]!) p++;
  return p;
}

function add(counts: ExposureCounts, key: string, period: number, sign: number, periods: number): void {
  if (period < 0) return;
  let c = counts.get(key);
  if (!c) counts.set(key, (c = { units: 0, atOrAfter: new Array<number>(periods).fill(0) }));
  c.units += sign;
  for (let i = 0; i < period; i++) c.atOrAfter[i]! += sign;
}

/**
 * Stored counts of the series: the units first seen in each segment between the window's
 * boundaries (from, the period starts, to: whole minutes) from the `unit_arrivals` day and
 * hour rows inside the segment and from the exposures' first-ts index for its minutes at
 * the ends (planUnitRead), plus those first seen before the window and seen again since the
 * hour it starts in. A few statements for all the series (IN on the leading index columns).
 */
async function storedCounts(store: Store, model: string, w: ExposureWindow, series: readonly { version: string; arm: string }[]): Promise<ExposureCounts> {
  const out: ExposureCounts = new Map();
  if (series.length === 0) return out;
  const fromHour = Math.floor(w.from / HOUR_MS) * HOUR_MS;
  const bounds = [w.from, ...w.starts, w.to];
  const blocks: { bucketMs: number; from: number; to: number; segment: number }[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) for (const b of planUnitRead(bounds[k]!, bounds[k + 1]!)) blocks.push({ ...b, segment: k });
  const coarse = blocks.filter((b) => b.bucketMs !== MINUTE_MS);
  const fine = blocks.filter((b) => b.bucketMs === MINUTE_MS);
  const versions = [...new Set(series.map((s) => s.version))];
  const arms = [...new Set(series.map((s) => s.arm))];
  const exposures = () => store.db.selectFrom('unit_exposures').where('model', '=', model).where('version', 'in', versions).where('arm', 'in', arms);
  const [rows, firsts, returning] = await Promise.all([
    Promise.all(
      coarse.map((b) =>
        store.db
          .selectFrom('unit_arrivals')
          .select(['version', 'arm', 'units'])
          .where('model', '=', model)
          .where('bucket_ms', '=', b.bucketMs)
          .where('bucket_start', '>=', b.from)
          .where('bucket_start', '<', b.to)
          .where('version', 'in', versions)
          .where('arm', 'in', arms)
          .execute()
          .then((list) => list.map((r) => ({ ...r, segment: b.segment }))),
      ),
    ).then((lists) => lists.flat()),
    // One range each: SQLite does not use the index for an OR of ranges.
    Promise.all(
      fine.map((b) =>
        exposures()
          .select(['version', 'arm', (eb) => eb.fn.countAll<number>().as('n')])
          .where('first_ts', '>=', b.from)
          .where('first_ts', '<', b.to)
          .groupBy(['version', 'arm'])
          .execute()
          .then((list) => list.map((r) => ({ ...r, segment: b.segment }))),
      ),
    ).then((lists) => lists.flat()),
    exposures()
      .select(['version', 'arm', (eb) => eb.fn.countAll<number>().as('n')])
      .where('first_ts', '<', w.from)
      .where('last_hour', '>=', fromHour)
      .groupBy(['version', 'arm'])
      .execute(),
  ]);
  const segments = new Map(series.map((s) => [seriesKey(s.version, s.arm), new Array<number>(bounds.length - 1).fill(0)]));
  for (const r of rows) {
    const seg = segments.get(seriesKey(r.version, r.arm));
    if (seg) seg[r.segment]! += Number(r.units);
  }
  for (const r of firsts) {
    const seg = segments.get(seriesKey(r.version, r.arm));
    if (seg) seg[r.segment]! += Number(r.n);
  }
  const back = new Map(returning.map((r) => [seriesKey(r.version, r.arm), Number(r.n)]));
  for (const [key, seg] of segments) {
    const units = seg.reduce((a, b) => a + b, 0) + (back.get(key) ?? 0);
    if (units !== 0) out.set(key, { units, atOrAfter: w.starts.map((_, i) => seg.slice(i + 1).reduce((a, b) => a + b, 0)) });
  }
  return out;
}

/** The stored rows of exposures (by series, in chunks). */
async function storedRows(store: Store, model: string, exposures: readonly Exposure[]): Promise<Map<string, { first: number; lastHour: number }>> {
  const bySeries = new Map<string, Exposure[]>();
  for (const x of exposures) {
    const k = seriesKey(x.version, x.arm);
    let list = bySeries.get(k);
    if (!list) bySeries.set(k, (list = []));
    list.push(x);
  }
  const out = new Map<string, { first: number; lastHour: number }>();
  for (const list of bySeries.values()) {
    const { version, arm } = list[0]!;
    for (let start = 0; start < list.length; start += 5000) {
      const rows = await store.db
        .selectFrom('unit_exposures')
        .select(['unit_id', 'first_ts', 'last_hour'])
        .where('model', '=', model)
        .where('version', '=', version)
        .where('arm', '=', arm)
        .where('unit_id', 'in', list.slice(start, start + 5000).map((x) => x.unit))
        .execute();
      for (const r of rows) out.set(`${seriesKey(version, arm)}\u0000${r.unit_id}`, { first: Number(r.first_ts), lastHour: Number(r.last_hour) });
    }
  }
  return out;
}

/**
 * Counts over the stored exposures corrected by the unflushed ones (`memory`, copies taken
 * with the buffer's state the store read must match): each unflushed exposure replaces its
 * stored row's contribution by that of the two combined. Rows this process wrote and that
 * already count are not looked up.
 */
export async function countExposures(
  store: Store,
  model: string,
  w: ExposureWindow,
  series: readonly { version: string; arm: string }[],
  memory: readonly Exposure[],
  buffer: UnitBucketBuffer,
): Promise<ExposureCounts> {
  const fromHour = Math.floor(w.from / HOUR_MS) * HOUR_MS;
  const wanted = new Set(series.map((s) => seriesKey(s.version, s.arm)));
  const relevant = memory.filter((x) => wanted.has(seriesKey(x.version, x.arm)));
  const lookUp = relevant.filter((x) => {
    const w0 = buffer.writtenOf(x);
    return !(w0 && w0.first <= x.first && w0.lastHour >= fromHour);
  });
  const [counts, rows] = await Promise.all([storedCounts(store, model, w, series), storedRows(store, model, lookUp)]);
  const periods = w.starts.length;
  for (const x of lookUp) {
    const key = seriesKey(x.version, x.arm);
    const s = rows.get(`${key}\u0000${x.unit}`);
    if (s) add(counts, key, periodOf(s, w), -1, periods);
    const c = s ? { first: Math.min(s.first, x.first), lastHour: Math.max(s.lastHour, x.lastHour) } : x;
    add(counts, key, periodOf(c, w), 1, periods);
  }
  return counts;
}
