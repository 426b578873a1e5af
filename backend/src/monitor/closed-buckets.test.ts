/**
 * Drift and health with closed buckets cached (closed-buckets.ts) equal the uncached reads,
 * on both dialects: two monitors on their own stores get the same records, one caching and
 * one not, and are compared over evaluations while data arrives, the clock moves, late
 * records and outcomes land on cached minutes and hours, and flushes come in between.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { testDialects } from '../testing/databases.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';
import { ClosedBuckets } from './closed-buckets.ts';
import type { MonitorContext } from './monitor-context.ts';
import type { MonitorService } from './monitor-service.ts';
import type { Rollup } from './rollup.ts';

const START = Date.UTC(2026, 0, 1, 12, 20, 30);
const M = 60_000;
const H = 3_600_000;
const MODEL = 'cached';
const HEALTH = {
  windowMs: 5 * M,
  sustainMs: 15 * M,
  lagMs: M,
  ctr: { baselineWindowMs: 2 * H, minBaselineImpressions: 1, minWindowImpressions: 1 },
  latencyP99: { minWindowRequests: 1 },
  errorRate: { minWindowRequests: 1 },
};

const cacheOf = (m: MonitorService) => (m as unknown as { ctx: MonitorContext }).ctx.closedBuckets;

describe('ClosedBuckets', () => {
  const rollup = (bucketMs: number, bucketStart: number) => ({ model: 'm', bucketMs, bucketStart }) as Rollup;
  test('a flushed minute drops its minute and its hour; the oldest entries go past the bound', () => {
    const c = new ClosedBuckets<number[]>(60_000, (v) => v.length, 30);
    c.set('m', 's', H, 0, [1, 2, 3]);
    c.set('m', 's', M, 5 * M, [4]);
    c.set('m', 's', M, 6 * M, [5]);
    c.set('other', 's', H, 0, [6]);
    c.flushing([rollup(M, 5 * M)]);
    assert.equal(c.get('m', 's', H, 0), undefined);
    assert.equal(c.get('m', 's', M, 5 * M), undefined);
    assert.deepEqual(c.get('m', 's', M, 6 * M), [5]);
    assert.deepEqual(c.get('other', 's', H, 0), [6]);
    // 2 entries of 2 cells held; 3 of 10 cells each pass 30: the oldest go first.
    for (let i = 0; i < 3; i++) c.set('m', 't', M, i * M, new Array<number>(9).fill(i));
    assert.equal(c.size, 3);
    assert.equal(c.get('m', 's', M, 6 * M), undefined);
    assert.equal(c.get('other', 's', H, 0), undefined);
    assert.deepEqual(c.get('m', 't', M, 2 * M), new Array<number>(9).fill(2));
    assert.equal(new ClosedBuckets<number[]>(0, (v) => v.length).enabled, false);
  });
});

const variants = testDialects().flatMap((dialect) => [Number.POSITIVE_INFINITY, 2 * H].map((kept) => ({ dialect, kept })));
for (const { dialect, kept } of variants) {
  describe(`closed buckets cached (${dialect}${Number.isFinite(kept) ? ', minute rows kept 2 h: hour rows before' : ''})`, () => {
    let now = START;
    let cached: Harness;
    let plain: Harness;
    const rand = createRng(7);
    let next = 0;

    before(async () => {
      cached = await openHarness(dialect, { now: () => now, closedBucketsTtlMs: 3_600_000, minuteRollupsKeptMs: kept });
      plain = await openHarness(dialect, { now: () => now, minuteRollupsKeptMs: kept });
      const rows = Array.from({ length: 300 }, (_, i) => ({ x: i % 50, c: ['a', 'b', 'c'][i % 3] }));
      for (const h of [cached, plain]) {
        await h.models.create(
          { name: MODEL, task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }, { name: 'c', type: 'categorical' }], settings: { health: HEALTH } },
          actor,
        );
        await h.monitor.profileFromRows(MODEL, 'v1', rows, { bins: 8 }, actor);
      }
    });
    after(async () => {
      await cached?.close();
      await plain?.close();
    });

    /** `n` predictions at `ts` (spread over its minute), the same on both monitors. */
    const predict = async (ts: number, n: number): Promise<string[]> => {
      const records = Array.from({ length: n }, (_, i) => ({
        id: `p${next++}`,
        ts: ts + i * 1000,
        version: 'v1',
        arm: rand() < 0.5 ? 'A' : 'B',
        features: { x: Math.floor(rand() * 70), c: ['a', 'b', 'd'][Math.floor(rand() * 3)] },
        score: rand(),
        latencyMs: 1 + Math.floor(rand() * 90),
        error: rand() < 0.05,
      }));
      for (const h of [cached, plain]) assert.equal((await h.monitor.ingestPredictions(MODEL, records)).accepted, n);
      return records.map((r) => r.id);
    };
    const outcomes = async (ids: string[]) => {
      const records = ids.map((id) => ({ id, impression: true, click: rand() < 0.3 }));
      for (const h of [cached, plain]) await h.monitor.ingestOutcomes(MODEL, records);
    };
    const flush = async () => {
      for (const h of [cached, plain]) await h.monitor.flush();
    };
    const same = async (label: string) => {
      const queries = [
        {},
        { from: now - 3 * H, to: now, step: 20 * M },
        { from: now - 150 * M, to: now - 7 * M, step: 45 * M, arms: ['A'] },
        { from: now - 2 * H, to: now, resolution: 'minute' as const },
      ];
      for (const q of queries) {
        const [a, b] = await Promise.all([cached.monitor.drift(MODEL, q), plain.monitor.drift(MODEL, q)]);
        assert.ok(a.versions[0]!.windows.some((w) => w.count > 0 && w.features.length === 2), `${label}: drift has data`);
        assert.deepEqual(
          a.versions.map((v) => v.windows),
          b.versions.map((v) => v.windows),
          `${label}: drift ${JSON.stringify(q)}`,
        );
      }
      const health = await cached.monitor.health(MODEL);
      assert.deepEqual(health, await plain.monitor.health(MODEL), `${label}: health`);
      assert.ok(health.checks.every((c) => c.windowsWithData > 0), `${label}: health has data`);
    };

    test('equal the uncached reads while data arrives, late data lands and flushes happen', async () => {
      // Three hours of history, flushed.
      const early: string[] = [];
      for (let t = START - 3 * H; t < START - 2 * M; t += 2 * M) for (const id of await predict(t, 3)) early.push(id);
      await outcomes(early.filter((_, i) => i % 2 === 0));
      await flush();
      await same('history');
      assert.ok(cacheOf(cached.monitor).drift.size > 0 && cacheOf(cached.monitor).health.size > 0, 'closed buckets are cached');
      for (let step = 0; step < 12; step++) {
        now += 25_000;
        await predict(Math.floor(now / M) * M, 2);
        if (step % 3 === 1) {
          // Late: a record on a cached minute, another on a cached hour, outcomes of old predictions.
          await predict(now - 40 * M, 1);
          await predict(now - 150 * M, 1);
          await outcomes(early.filter((_, i) => i % 12 === step));
        }
        await same(`step ${step} (buffered)`);
        if (step % 4 === 2) {
          await flush();
          await same(`step ${step} (flushed)`);
        }
      }
      await flush();
      await same('end');
    });
  });
}
