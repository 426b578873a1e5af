/**
 * Per-unit sums from the unit buckets and exposures, on both dialects, against the same sums
 * computed here from the records sent (grouped by the same bucket hash): before and after
 * the flush, across a kill -9 and its replay, and with two processes adding to the same rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';
import { createRng } from '../core/random.ts';
import type { MonitorService } from './monitor-service.ts';
import { unitBucket } from './unit-buckets.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const M = 60_000;
const PAIRS = [['clicks', 'impressions'], ['errors', 'requests']] as const;

interface Unit {
  arm: string;
  n: number;
  imp: number;
  clk: number;
  err: number;
  first: number;
}

/** 400 predictions of 60 units over 50 minutes, 70 % with an impression outcome. */
function traffic(seed: number, prefix: string, start: number) {
  const rand = createRng(seed);
  const predictions: Record<string, unknown>[] = [];
  const outcomes: Record<string, unknown>[] = [];
  const units = new Map<string, Unit>();
  for (let i = 0; i < 400; i++) {
    const unit = `user-${Math.floor(rand() * 60)}`;
    const arm = Number(unit.slice(5)) % 2 ? 'A' : 'B';
    const ts = start + i * 7_500;
    const error = rand() < 0.1;
    predictions.push({ id: `${prefix}${i}`, ts, version: 'v1', arm, unitId: unit, features: { x: 1 }, score: 0.5, latencyMs: 5, error });
    const e = units.get(unit) ?? { arm, n: 0, imp: 0, clk: 0, err: 0, first: ts };
    e.n++;
    if (error) e.err++;
    if (rand() < 0.7) {
      const click = rand() < 0.2;
      outcomes.push({ id: `${prefix}${i}`, impression: true, click });
      e.imp++;
      if (click) e.clk++;
    }
    units.set(unit, e);
  }
  return { predictions, outcomes, units };
}

async function checkTotals(monitor: MonitorService, model: string, units: Map<string, Unit>, from: number, split: number, to: number): Promise<void> {
  const rows = await monitor.unitTotals(model, { from, to, pairs: PAIRS, periodStarts: [split] });
  assert.deepEqual(rows.map((r) => r.arm), ['A', 'B']);
  for (const row of rows) {
    const mine = [...units.entries()].filter(([, e]) => e.arm === row.arm);
    const sum = (f: (e: Unit) => number) => mine.reduce((s, [, e]) => s + f(e), 0);
    // Bucket totals: units sharing a bucket add up before squaring.
    const buckets = new Map<number, Unit>();
    for (const [id, e] of mine) {
      const b = buckets.get(unitBucket(id)) ?? { arm: e.arm, n: 0, imp: 0, clk: 0, err: 0, first: 0 };
      b.n += e.n;
      b.imp += e.imp;
      b.clk += e.clk;
      b.err += e.err;
      buckets.set(unitBucket(id), b);
    }
    const overBuckets = (f: (e: Unit) => number) => [...buckets.values()].reduce((s, e) => s + f(e), 0);
    assert.equal(row.units, mine.length);
    assert.equal(row.sum.requests, sum((e) => e.n));
    assert.equal(row.sum.impressions, sum((e) => e.imp));
    assert.equal(row.sum.clicks, sum((e) => e.clk));
    assert.equal(row.sum.errors, sum((e) => e.err));
    assert.equal(row.sumSquares.impressions, overBuckets((e) => e.imp * e.imp));
    assert.equal(row.sumSquares.clicks, overBuckets((e) => e.clk * e.clk));
    assert.equal(row.cross[0], overBuckets((e) => e.clk * e.imp));
    assert.equal(row.cross[1], overBuckets((e) => e.err * e.n));
    assert.equal(row.sum.latencySum, 5 * sum((e) => e.n));
    assert.deepEqual(row.unitsByPeriod, [mine.filter(([, e]) => e.first < split).length, mine.filter(([, e]) => e.first >= split).length]);
  }
}

for (const dialect of testDialects()) {
  describe(`unit totals on ${dialect}`, () => {
    let h: Harness;
    let n = 0;
    const newModel = async () => {
      const name = `u${n++}`;
      await h.models.create({ name, task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
      return name;
    };
    before(async () => {
      h = await openHarness(dialect, { now: () => NOW });
    });
    after(() => h.close());

    test('sums, bucket squares, cross products and units by first period match the records, unflushed and flushed', async () => {
      const model = await newModel();
      const start = NOW - 50 * M;
      const { predictions, outcomes, units } = traffic(7, 'p', start);
      // Predictions without a unit id are left out.
      predictions.push({ id: 'anon', ts: NOW - M, version: 'v1', arm: 'A', features: { x: 1 } });
      assert.equal((await h.monitor.ingestPredictions(model, predictions)).accepted, 401);
      assert.equal((await h.monitor.ingestOutcomes(model, outcomes)).accepted, outcomes.length);
      const split = NOW - 25 * M;
      await checkTotals(h.monitor, model, units, NOW - 60 * M, split, NOW);
      await h.monitor.flush();
      await checkTotals(h.monitor, model, units, NOW - 60 * M, split, NOW);
      // A second flush of nothing changes nothing; a window after the traffic is empty.
      await h.monitor.flush();
      await checkTotals(h.monitor, model, units, NOW - 60 * M, split, NOW);
      assert.deepEqual(await h.monitor.unitTotals(model, { from: NOW, to: NOW + 60 * M, pairs: PAIRS }), []);
    });

    test('a window over days reads day, hour and minute rows and sums to the same', async () => {
      const model = await newModel();
      // 50 minutes of traffic a day before NOW: read from the day row of that day.
      const start = NOW - 26 * 60 * M - 13 * M;
      const a = traffic(11, 'a', start);
      await h.monitor.ingestPredictions(model, a.predictions);
      await h.monitor.ingestOutcomes(model, a.outcomes);
      await h.monitor.flush();
      await checkTotals(h.monitor, model, a.units, start - 2 * 24 * 60 * M - 7 * M, start + 10 * M, NOW + M);
      // The part before a split read through a cache (the experiments' closed hours) sums to the same.
      const q = { from: start - 2 * 24 * 60 * M - 7 * M, to: NOW + M, pairs: PAIRS, periodStarts: [start + 10 * M] };
      let reads = 0;
      const cached = { before: start + 30 * M, cached: (read: () => Promise<Map<string, Float64Array>>) => (reads++, read()) };
      assert.deepEqual(await h.monitor.unitTotals(model, { ...q, closed: cached }), await h.monitor.unitTotals(model, q));
      assert.equal(reads, 1);
    });

    test('kill -9 before the flush: the replay counts every record once', async () => {
      const model = await newModel();
      const start = NOW - 50 * M;
      const { predictions, outcomes, units } = traffic(3, 'k', start);
      const crashed = await h.reopen();
      await crashed.ingestPredictions(model, predictions.slice(0, 200));
      await crashed.flush();
      await crashed.ingestPredictions(model, predictions.slice(200));
      await crashed.ingestOutcomes(model, outcomes);
      crashed.abandon();
      const survivor = await h.reopen();
      await checkTotals(survivor, model, units, NOW - 60 * M, NOW - 25 * M, NOW);
      const third = await h.reopen();
      assert.equal(await third.recover(), 0);
      await checkTotals(third, model, units, NOW - 60 * M, NOW - 25 * M, NOW);
    });

    test('units: reused arm names, a late earlier sighting from another replica, periods cutting hours', async () => {
      const model = await newModel();
      const H = 60 * M;
      const pred = (id: string, unit: string, ts: number) => ({ id, ts, version: 'v1', arm: 'A', unitId: unit, features: { x: 1 } });
      // An earlier experiment with the same arm names: u0…u9 seen 5 h ago; u0…u4 come back in the window.
      await h.monitor.ingestPredictions(model, Array.from({ length: 10 }, (_, i) => pred(`old${i}`, `u${i}`, NOW - 5 * H + i * M)));
      await h.monitor.flush();
      const a = await h.reopen();
      const b = await h.reopen();
      // In the window [NOW − 3 h, NOW): u0…u4 again at NOW − 150 min; new u10…u19 at NOW − 100 min (+ i min).
      await a.ingestPredictions(model, Array.from({ length: 5 }, (_, i) => pred(`back${i}`, `u${i}`, NOW - 150 * M)));
      await a.ingestPredictions(model, Array.from({ length: 10 }, (_, i) => pred(`new${i}`, `u${10 + i}`, NOW - 100 * M + i * M)));
      await a.flush();
      // Replica b saw u15…u19 earlier (NOW − 130 min, another hour) but flushes later: their arrival moves back.
      await b.ingestPredictions(model, Array.from({ length: 5 }, (_, i) => pred(`early${i}`, `u${15 + i}`, NOW - 130 * M)));
      const split = NOW - 95 * M;
      const q = { from: NOW - 3 * H, to: NOW, pairs: PAIRS, periodStarts: [split] };
      // Unflushed in b: b's read corrects the stored counts with its own buffer.
      const expected = { units: 15, byPeriod: [5 + 5 + 5, 0] };
      for (const reader of [b, a]) {
        if (reader === a) await b.flush();
        const [row] = await reader.unitTotals(model, q);
        assert.equal(row!.units, expected.units, 'u0…u4 (back) + u10…u19');
        // u0…u4: first seen before the window → first period; u10…u14 at NOW − 100…96 min; u15…u19 at NOW − 130 min.
        assert.deepEqual(row!.unitsByPeriod, expected.byPeriod);
        assert.equal(row!.sum.requests, 20);
      }
      // A split inside the new units' minutes: u10…u14 before it, u15…u19 (seen at NOW − 130 min) before it too.
      const [late] = await a.unitTotals(model, { ...q, periodStarts: [NOW - 98 * M, NOW - 20 * M] });
      assert.deepEqual(late!.unitsByPeriod, [5 + 2 + 5, 3, 0]);
      const arrivals = await h.store.db.selectFrom('unit_arrivals').select(['bucket_start', 'units']).where('model', '=', model).where('bucket_ms', '=', H).orderBy('bucket_start').execute();
      assert.deepEqual(
        arrivals.filter((r) => Number(r.units) !== 0).map((r) => [(NOW - Number(r.bucket_start)) / H, Number(r.units)]),
        [[5, 10], [3, 5], [2, 5]],
        'u0…u9 5 h ago; u15…u19 moved to NOW − 130 min (hour −3); u10…u14 in hour −2',
      );
      // A window after the old traffic only: the old units that did not come back are not in it.
      const [after] = await a.unitTotals(model, { from: NOW - 4 * H, to: NOW, pairs: PAIRS });
      assert.equal(after!.units, 15);
    });

    test('two processes adding to the same rows lose nothing', async () => {
      const model = await newModel();
      const { predictions, outcomes, units } = traffic(5, 'r', NOW - 50 * M);
      const a = await h.reopen();
      const b = await h.reopen();
      await Promise.all([a.ingestPredictions(model, predictions.filter((_, i) => i % 2 === 0)), b.ingestPredictions(model, predictions.filter((_, i) => i % 2 === 1))]);
      await Promise.all([a.ingestOutcomes(model, outcomes.filter((_, i) => i % 2 === 0)), b.ingestOutcomes(model, outcomes.filter((_, i) => i % 2 === 1))]);
      await Promise.all([a.flush(), b.flush()]);
      await checkTotals(h.monitor, model, units, NOW - 60 * M, NOW - 25 * M, NOW);
      const rows = await h.store.db.selectFrom('unit_buckets').select('seq').where('model', '=', model).where('bucket_ms', '=', 24 * 60 * M).execute();
      assert.equal(rows.length, 2, 'one day row per arm: the second flush added into it');
    });
  });
}
