/**
 * Per-unit sums from stored predictions and their joined outcomes, on both dialects, against
 * the same sums computed here from the records sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';
import { createRng } from '../core/random.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const M = 60_000;

for (const dialect of testDialects()) {
  describe(`unit totals on ${dialect}`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness(dialect, { now: () => NOW });
      await h.models.create({ name: 'u', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
    });
    after(() => h.close());

    test('sums, squares, cross products and units by first period match the records', async () => {
      const rand = createRng(7);
      const predictions: Record<string, unknown>[] = [];
      const outcomes: Record<string, unknown>[] = [];
      // Per (arm, unit): [requests, impressions, clicks, errors, first ts]
      const expected = new Map<string, { arm: string; n: number; imp: number; clk: number; err: number; first: number }>();
      for (let i = 0; i < 400; i++) {
        const unit = `user-${Math.floor(rand() * 60)}`;
        const arm = Number(unit.slice(5)) % 2 ? 'A' : 'B';
        const ts = NOW - 50 * M + i * 6_000;
        const error = rand() < 0.1;
        predictions.push({ id: `p${i}`, ts, version: 'v1', arm, unitId: unit, features: { x: 1 }, score: 0.5, latencyMs: 5, error });
        const e = expected.get(unit) ?? { arm, n: 0, imp: 0, clk: 0, err: 0, first: ts };
        e.n++;
        if (error) e.err++;
        if (rand() < 0.7) {
          const click = rand() < 0.2;
          outcomes.push({ id: `p${i}`, impression: true, click });
          e.imp++;
          if (click) e.clk++;
        }
        expected.set(unit, e);
      }
      // Predictions without a unit id are left out.
      predictions.push({ id: 'anon', ts: NOW - M, version: 'v1', arm: 'A', features: { x: 1 } });
      assert.equal((await h.monitor.ingestPredictions('u', predictions)).accepted, 401);
      assert.equal((await h.monitor.ingestOutcomes('u', outcomes)).accepted, outcomes.length);
      const split = NOW - 25 * M;
      const rows = await h.monitor.unitTotals('u', { from: NOW - 60 * M, to: NOW, pairs: [['clicks', 'impressions'], ['errors', 'requests']], periodStarts: [split] });
      assert.deepEqual(rows.map((r) => r.arm), ['A', 'B']);
      for (const row of rows) {
        const units = [...expected.values()].filter((e) => e.arm === row.arm);
        const sum = (f: (e: (typeof units)[number]) => number) => units.reduce((s, e) => s + f(e), 0);
        assert.equal(row.units, units.length);
        assert.equal(row.sum.requests, sum((e) => e.n));
        assert.equal(row.sum.impressions, sum((e) => e.imp));
        assert.equal(row.sum.clicks, sum((e) => e.clk));
        assert.equal(row.sum.errors, sum((e) => e.err));
        assert.equal(row.sumSquares.impressions, sum((e) => e.imp * e.imp));
        assert.equal(row.sumSquares.clicks, sum((e) => e.clk * e.clk));
        assert.equal(row.cross[0], sum((e) => e.clk * e.imp));
        assert.equal(row.cross[1], sum((e) => e.err * e.n));
        assert.equal(row.sum.latencySum, 5 * sum((e) => e.n));
        assert.deepEqual(row.unitsByPeriod, [units.filter((e) => e.first < split).length, units.filter((e) => e.first >= split).length]);
      }
    });
  });
}
