import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { VirtualClock } from '../core/clock.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';
import { openStore, type Store } from '../store/database.ts';
import { Leases } from '../store/leases.ts';
import { HOUR_MS, MINUTE_MS } from './rollup.ts';
import { Retention, type RetentionSettings } from './retention.ts';
import { retrainWindowMs } from '../compose/model-settings.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const SETTINGS: RetentionSettings = { rawMs: 90 * DAY, minuteRollupsMs: 14 * DAY, intervalMs: 0 };
const logger = pino({ level: 'silent' });
const LEASE_MS = 300;
const leasesOf = (store: Store, holder: string) => new Leases(store, { holder, ttlMs: LEASE_MS, logger });

/** 3 hours of traffic from `start`: one prediction every 5 minutes per arm, a click on every third, unit ids u0…u5. */
function traffic(prefix: string, start: number) {
  const predictions: Record<string, unknown>[] = [];
  const outcomes: Record<string, unknown>[] = [];
  for (let i = 0; i < 36; i++) {
    for (const arm of ['A', 'B']) {
      const id = `${prefix}-${arm}-${i}`;
      predictions.push({ id, ts: start + i * 5 * MINUTE_MS + 7_000, version: 'v1', arm, unitId: `u${i % 6}`, score: 0.5, latencyMs: 3, features: { x: i } });
      outcomes.push({ id, impression: true, click: i % 3 === 0 });
    }
  }
  return { predictions, outcomes };
}

async function count(store: Store, table: 'predictions' | 'outcomes' | 'ingest_batches' | 'rollups' | 'unit_buckets', where?: { bucketMs: number }): Promise<number> {
  let q = store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (where) q = q.where('bucket_ms', '=', where.bucketMs);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

for (const dialect of testDialects()) {
  describe(`retention on ${dialect}`, () => {
    const clock = new VirtualClock(T0 + 3 * HOUR_MS);
    let h: Harness;
    let dataDir: string;
    let databaseUrl: string | undefined;
    let prometheus: Registry;
    let retention: Retention;
    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-retention-'));
      databaseUrl = dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
      h = await openHarness(dialect, { now: () => clock.now(), minuteRollupsKeptMs: SETTINGS.minuteRollupsMs }, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
      prometheus = new Registry();
      retention = new Retention({ store: h.store, leases: leasesOf(h.store, 'this'), logger, prometheus, now: () => clock.now(), retrainWindowMs }, SETTINGS);
      await h.models.create({ name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
    });
    after(async () => {
      await retention?.close();
      await h?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('expiry deletes only raw rows past the age; compaction keeps totals of whole hours exact; the metrics say what happened', async () => {
      const old = traffic('old', T0);
      assert.equal((await h.monitor.ingestPredictions('m', old.predictions)).accepted, 72);
      assert.equal((await h.monitor.ingestOutcomes('m', old.outcomes)).accepted, 72);
      await h.monitor.flush();
      const hours = { from: T0, to: T0 + 3 * HOUR_MS };
      const pairs = [['clicks', 'impressions']] as const;
      const before = {
        totals: await h.monitor.totals('m', hours),
        hourly: await h.monitor.series('m', { ...hours, step: HOUR_MS, by: 'arm' }),
        units: await h.monitor.unitTotals('m', { ...hours, pairs }),
      };
      assert.equal(before.totals.reduce((s, t) => s + t.requests, 0), 72);
      const minuteRows = await count(h.store, 'rollups', { bucketMs: MINUTE_MS });
      assert.ok(minuteRows >= 36, `${minuteRows} minute rows`);

      // 20 days on: the old minutes are past MODELWATCH_RETENTION_MINUTE_ROLLUPS (14 d), the raw rows within 90 d.
      clock.set(T0 + 20 * DAY);
      const recent = traffic('new', clock.now() - 3 * HOUR_MS);
      await h.monitor.ingestPredictions('m', recent.predictions);
      await h.monitor.flush();
      const first = await retention.runOnce();
      assert.equal(first.ran, true);
      assert.equal(first.deleted.predictions, 0);
      assert.equal(first.deleted.rollups, minuteRows);
      assert.ok(first.deleted.unit_buckets > 0);
      assert.equal(await count(h.store, 'predictions'), 144);
      // Only the old minutes went: the recent ones (and every hour row) stay.
      assert.ok((await count(h.store, 'rollups', { bucketMs: MINUTE_MS })) >= 36);
      assert.deepEqual(await h.monitor.totals('m', hours), before.totals);
      assert.deepEqual(await h.monitor.series('m', { ...hours, step: HOUR_MS, by: 'arm' }), before.hourly);
      assert.deepEqual(await h.monitor.unitTotals('m', { ...hours, pairs }), before.units);
      // Minute windows over compacted time: each hour counts in the window of its first minute.
      const minutes = await h.monitor.series('m', { from: T0 + 30 * MINUTE_MS, to: T0 + 3 * HOUR_MS, step: MINUTE_MS, by: 'none', kpis: ['requests'] });
      const points = (minutes.series[0]?.points ?? []) as [number, number][];
      const nonZero = points.filter(([, v]) => v > 0);
      assert.deepEqual(nonZero, [
        [T0 + HOUR_MS, 24],
        [T0 + 2 * HOUR_MS, 24],
      ]);

      // A range edge inside a compacted hour: the hour counts where it starts (T0 + 1 h and T0 + 2 h in; T0 out).
      const edge = { from: T0 + 30 * MINUTE_MS, to: T0 + 3 * HOUR_MS };
      assert.equal((await h.monitor.totals('m', edge)).reduce((s, t) => s + t.requests, 0), 48);
      assert.equal((await h.monitor.unitTotals('m', { ...edge, pairs })).reduce((s, t) => s + t.sum.requests, 0), 48);

      // 100 days on: the old batch's raw rows are past 90 d; the recent ones (at 20 d) are not.
      clock.set(T0 + 100 * DAY);
      const second = await retention.runOnce();
      assert.equal(second.deleted.predictions, 72);
      assert.equal(second.deleted.outcomes, 72);
      assert.equal(second.deleted.ingest_batches, 2);
      const left = await h.store.db.selectFrom('predictions').select('id').execute();
      assert.equal(left.length, 72);
      assert.ok(left.every((r) => r.id.startsWith('new-')));
      assert.equal(await count(h.store, 'outcomes'), 0);
      // The rollups of the deleted rows stay: totals come from them, not from raw rows.
      assert.deepEqual(await h.monitor.totals('m', hours), before.totals);

      const text = await prometheus.metrics();
      assert.match(text, /modelwatch_retention_deleted_rows_total\{table="predictions"\} 72\b/);
      assert.match(text, new RegExp(`modelwatch_retention_deleted_rows_total\\{table="rollups"\\} ${minuteRows + second.deleted.rollups}\\b`));
      assert.match(text, new RegExp(`modelwatch_retention_last_run_timestamp_seconds ${(T0 + 100 * DAY) / 1000}\\b`));
      assert.match(text, /modelwatch_store_rows\{table="predictions"\} 72\b/);
      const size = /modelwatch_store_size_bytes (\d+)/.exec(text);
      assert.ok(size && Number(size[1]) > 10_000, text);
    });

    test('a batch a process still has to replay (monitor_pending) is not deleted until it is flushed', async () => {
      await h.models.create({ name: 'pend', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
      const { predictions } = traffic('pend', clock.now() - 3 * HOUR_MS);
      assert.equal((await h.monitor.ingestPredictions('pend', predictions)).accepted, 72);
      clock.advance(91 * DAY);
      assert.equal((await retention.runOnce()).deleted.predictions, 72, 'only model m\'s rows from 20 days ago');
      const pendRows = await h.store.db.selectFrom('predictions').select('id').where('model', '=', 'pend').execute();
      assert.equal(pendRows.length, 72);
      await h.monitor.flush();
      assert.equal((await retention.runOnce()).deleted.predictions, 72);
      assert.equal(await count(h.store, 'predictions'), 0);
    });

    test('a model whose retrain window is longer than the age (saved before retention was lowered) keeps its raw rows that long', async () => {
      await h.models.create({ name: 'long', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }], settings: { retrain: { window: '120d' } } }, actor);
      const { predictions } = traffic('long', clock.now() - 3 * HOUR_MS);
      await h.monitor.ingestPredictions('long', predictions);
      await h.monitor.flush();
      clock.advance(100 * DAY);
      assert.equal((await retention.runOnce()).deleted.predictions, 0);
      clock.advance(21 * DAY);
      assert.equal((await retention.runOnce()).deleted.predictions, 72);
    });

    if (dialect === 'postgres') {
      test('two services on one PostgreSQL: a pass runs only where the lease is free, and again once its holder is gone', async () => {
        const other = await openStore({ dataDir, databaseUrl });
        const otherRetention = new Retention({ store: other, leases: leasesOf(other, 'other'), logger, prometheus: new Registry(), now: () => clock.now(), retrainWindowMs }, SETTINGS);
        try {
          // A third replica holds the lease (its pass is running): both services skip this round.
          const holder = leasesOf(h.store, 'holder');
          assert.equal(await holder.acquire('retention'), true);
          const [a, b] = await Promise.all([retention.runOnce(), otherRetention.runOnce()]);
          assert.deepEqual([a.ran, b.ran], [false, false]);
          // Its holder dies (it stops renewing): once the lease period is over the next round runs, and frees the lease after it.
          await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 50));
          assert.equal((await retention.runOnce()).ran, true);
          assert.equal((await otherRetention.runOnce()).ran, true);
          assert.equal(await holder.holderOf('retention'), undefined);
        } finally {
          await otherRetention.close();
          await other.close();
        }
      });
    }
  });
}
