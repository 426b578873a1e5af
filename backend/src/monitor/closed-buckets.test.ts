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
import type { MonitorContext } from './monitor-context.ts';
import type { MonitorService } from './monitor-service.ts';

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

for (const dialect of testDialects()) {
  describe(`closed buckets cached (${dialect})`, () => {
    let now = START;
    let cached: Harness;
    let plain: Harness;
    const rand = createRng(7);
    let next = 0;

    before(async () => {
      cached = await openHarness(dialect, { now: () => now, closedBucketsTtlMs: 3_600_000 });
      plain = await openHarness(dialect, { now: () => now });
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
        assert.deepEqual(
          a.versions.map((v) => v.windows),
          b.versions.map((v) => v.windows),
          `${label}: drift ${JSON.stringify(q)}`,
        );
      }
      assert.deepEqual(await cached.monitor.health(MODEL), await plain.monitor.health(MODEL), `${label}: health`);
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
