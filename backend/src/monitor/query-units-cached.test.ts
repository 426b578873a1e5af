/**
 * Per-unit sums with closed hours and closed minutes cached as experiment results cache them
 * (experiments/experiment-results.ts) equal the uncached read, on both dialects, over
 * evaluations while predictions and outcomes arrive, the clock moves and flushes happen.
 * A late outcome on a cached minute shows once the minutes' key moves (within a minute).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { ClosedTotalsCache } from '../experiments/closed-totals-cache.ts';
import { testDialects } from '../testing/databases.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';
import type { UnitSums, UnitTotalsQuery } from './query-units.ts';

const START = Date.UTC(2026, 0, 1, 12, 20, 30);
const M = 60_000;
const H = 3_600_000;
const PAIRS = [['clicks', 'impressions'], ['errors', 'requests']] as const;

for (const dialect of testDialects()) {
  describe(`per-unit sums, closed parts cached (${dialect})`, () => {
    let now = START;
    let h: Harness;
    const rand = createRng(5);
    let next = 0;
    const hours = new ClosedTotalsCache<UnitSums>(3_600_000);
    const minutes = new ClosedTotalsCache<UnitSums>(3_600_000);
    let reads = 0;

    before(async () => {
      h = await openHarness(dialect, { now: () => now });
      await h.models.create({ name: 'units', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
    });
    after(async () => {
      await h?.close();
    });

    const predict = async (ts: number, n: number): Promise<string[]> => {
      const records = Array.from({ length: n }, (_, i) => {
        const unit = Math.floor(rand() * 40);
        return { id: `p${next++}`, ts: ts + i * 1000, version: 'v1', arm: unit % 2 ? 'A' : 'B', unitId: `u${unit}`, features: { x: 1 }, latencyMs: 1 + (unit % 7), error: rand() < 0.1 };
      });
      assert.equal((await h.monitor.ingestPredictions('units', records)).accepted, n);
      return records.map((r) => r.id);
    };
    const outcomes = (ids: string[]) => h.monitor.ingestOutcomes('units', ids.map((id) => ({ id, impression: true, click: rand() < 0.3 })));
    /** As experiment-results.ts splits and keys the window. */
    const query = (from: number): UnitTotalsQuery => {
      const to = Math.ceil(now / M) * M;
      const split = Math.floor(now / H) * H - H;
      const minuteSplit = Math.floor(now / M) * M - 2 * M;
      const count = <T>(read: () => Promise<T>) => (reads++, read());
      return {
        from,
        to,
        pairs: PAIRS,
        periodStarts: [from + 90 * M],
        closed: { before: split, cached: (read) => hours.get(`${from}\u0000${split}`, () => count(read)) },
        closedMinutes: { before: minuteSplit, cached: (read) => minutes.get(`${split}\u0000${minuteSplit}`, () => count(read)) },
      };
    };
    const same = async (label: string, from: number) => {
      const { closed: _c, closedMinutes: _m, ...plain } = query(from);
      assert.deepEqual(await h.monitor.unitTotals('units', query(from)), await h.monitor.unitTotals('units', plain), label);
    };

    test('equal the uncached read while data arrives; late outcomes on cached minutes show when the key moves', async () => {
      const from = START - 3 * H - 10 * M;
      const early: string[] = [];
      for (let t = START - 3 * H; t < START - 2 * M; t += 3 * M) for (const id of await predict(t, 2)) early.push(id);
      await outcomes(early.filter((_, i) => i % 2 === 0));
      await h.monitor.flush();
      await same('history', from);
      const afterHistory = reads;
      assert.equal(afterHistory, 2, 'closed hours and closed minutes read once');
      for (let step = 0; step < 10; step++) {
        now += 20_000;
        const ids = await predict(Math.floor(now / M) * M, 2);
        await outcomes(ids.slice(0, 1));
        await same(`step ${step}`, from);
        if (step % 4 === 1) {
          await h.monitor.flush();
          await same(`step ${step} (flushed)`, from);
        }
      }
      // 200 s: the minutes' key moved three times, the hours' not at all.
      assert.equal(reads - afterHistory, 3);
      // A late outcome on a cached minute: not in the cached sums until the minute's key moves.
      const late = early.filter((_, i) => i % 2 === 1).slice(-3);
      await outcomes(late);
      const before = await h.monitor.unitTotals('units', query(from));
      const { closed: _c, closedMinutes: _m, ...plain } = query(from);
      const fresh = await h.monitor.unitTotals('units', plain);
      const impressions = (rows: typeof fresh) => rows.reduce((s, r) => s + r.sum.impressions, 0);
      assert.equal(impressions(fresh) - impressions(before), 3);
      now = Math.floor(now / M) * M + M;
      await same('after the minute moved', from);
    });
  });
}
