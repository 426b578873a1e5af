import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { systemActor } from '../auth/roles.ts';
import { VirtualClock } from '../core/clock.ts';
import { createLogger } from '../core/logger.ts';
import { createSteppedContext, type ServiceLoops } from '../compose/server.ts';
import type { AppContext } from '../http/app-context.ts';
import { alertmanagerPayloadSchema, normalizeNotification } from '../alerts/payloads.ts';
import { testDialects } from '../testing/databases.ts';
import { makeTestConfig, startTestServer } from '../testing/test-server.ts';
import type { Config } from '../core/config.ts';
import type { SqlDialect } from '../store/database.ts';
import { RetrainTriggers } from './retrain-triggers.ts';

const SHAPE = { task: 'binary_classification' as const, features: [{ name: 'x', type: 'numeric' as const }] };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** 01:00 UTC of a day after today: models (created on the wall clock) are older than any virtual time. */
const START = Math.ceil(Date.now() / DAY) * DAY + DAY + HOUR;

interface Stepped {
  ctx: AppContext;
  loops: ServiceLoops;
  clock: VirtualClock;
  close(): Promise<void>;
}

async function stepped(config: Config, clock = new VirtualClock(START)): Promise<Stepped> {
  const { ctx, loops } = await createSteppedContext(config, createLogger('silent'), clock);
  return {
    ctx,
    loops,
    clock,
    close: async () => {
      for (const step of [...ctx.onClose].reverse()) await step();
      await ctx.store.close();
    },
  };
}

const retrains = async (ctx: AppContext, model: string) => (await ctx.jobs.list({ model })).filter((j) => j.type === 'retrain');

for (const dialect of testDialects() as SqlDialect[]) {
  describe(`retrain triggers (${dialect})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    /** A stepped service on its own store, closed and removed after the suite. */
    const freshStepped = async (): Promise<Stepped> => {
      const config = await makeTestConfig(dialect);
      cleanups.push(async () => fs.rmSync(config.dataDir, { recursive: true, force: true }));
      const s = await stepped(config);
      cleanups.push(s.close);
      return s;
    };

    test('a schedule fires once at its planned time (not before), as system:retrain-schedule; the cooldown blocks the next run', async () => {
      const s = await freshStepped();
      // Every hour at :00; START is 01:00, so the first planned run is 02:00. Cooldown 90 minutes.
      await s.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 * * * *' }, cooldown: '90m' } } }, systemActor);
      const status = await s.ctx.retrainTriggers.status(await s.ctx.models.get('ctr'));
      assert.equal(status.schedule?.nextRun, new Date(START + HOUR).toISOString());
      assert.equal(status.schedule?.timezone, 'UTC');

      await s.loops.retrainTriggers();
      s.clock.set(START + HOUR - 1);
      await s.loops.retrainTriggers();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 0, 'nothing before the planned time');

      s.clock.set(START + HOUR + 20_000);
      await s.loops.retrainTriggers();
      await s.loops.retrainTriggers();
      const jobs = await retrains(s.ctx, 'ctr');
      assert.equal(jobs.length, 1, 'one job for one planned run');
      assert.equal(jobs[0]!.actor, 'system:retrain-schedule');
      assert.equal(jobs[0]!.reason, 'schedule 0 * * * * (UTC)');
      // Still queued: the 03:00 run is held back by it (and would be by the cooldown).
      await s.ctx.jobs.cancel(jobs[0]!.id, systemActor, 'test: let the cooldown alone decide');
      s.clock.set(START + 2 * HOUR + 20_000);
      await s.loops.retrainTriggers();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 1, '03:00 is within 90 minutes of 02:00');
      const blocked = await s.ctx.retrainTriggers.status(await s.ctx.models.get('ctr'));
      assert.equal(blocked.cooldownUntil, new Date(START + HOUR + 20_000 + 90 * MINUTE).toISOString());
      s.clock.set(START + 3 * HOUR + 20_000);
      await s.loops.retrainTriggers();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 2, '04:00 is past the cooldown');
    });

    test('a replica that takes the lease over fires the planned run its dead holder missed, once', async () => {
      const s = await freshStepped();
      await s.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *' } } } }, systemActor);
      // The holder (this context's triggers) sees the 02:00 run planned at 01:59:50, then dies.
      s.clock.set(START + HOUR - 10_000);
      await s.loops.retrainTriggers();
      // Another replica's triggers take the lease over 25 s after 02:00 and look back one check interval + lease.
      const takeOver = (lookbackMs?: number) =>
        new RetrainTriggers({
          clock: s.clock,
          logger: createLogger('silent'),
          models: s.ctx.models,
          jobs: s.ctx.jobs,
          totals: s.ctx.monitor,
          leases: { ttlMs: 10_000, every: () => assert.fail('not started in this test') },
          ...(lookbackMs === undefined ? {} : { lookbackMs }),
        });
      s.clock.set(START + HOUR + 25_000);
      await takeOver(0).tick();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 0, 'without the look back the 02:00 run is lost (the behaviour before)');
      await takeOver(40_000).tick();
      const jobs = await retrains(s.ctx, 'ctr');
      assert.equal(jobs.length, 1, 'the missed 02:00 run fires on the new holder');
      assert.equal(jobs[0]!.reason, 'schedule 0 2 * * * (UTC)');
      // Had the old holder enqueued it after all, the run's idempotency key keeps it one job.
      await s.loops.retrainTriggers();
      await takeOver(40_000).tick();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 1);
    });

    test('a schedule saved after its planned time does not fire for that run, look back or not', async () => {
      const s = await freshStepped();
      s.clock.set(START + HOUR + 10_000);
      // updatedAt is the wall clock; on this virtual clock a save "now" is made by aligning the two.
      const saved = await s.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *' } } } }, systemActor);
      const triggers = new RetrainTriggers({
        clock: s.clock,
        logger: createLogger('silent'),
        models: { list: async () => [{ ...saved, updatedAt: new Date(START + HOUR + 5_000).toISOString() }] },
        jobs: s.ctx.jobs,
        totals: s.ctx.monitor,
        leases: { ttlMs: 10_000, every: () => assert.fail('not started in this test') },
        lookbackMs: 40_000,
      });
      await triggers.tick();
      assert.equal((await retrains(s.ctx, 'ctr')).length, 0, 'saved at 02:00:05: the 02:00 run was before it');
      const status = await triggers.status(saved);
      assert.equal(status.schedule?.nextRun, new Date(START + HOUR + DAY).toISOString());
    });

    test('a retrain started elsewhere (an alert policy, a person) holds a planned run back by the shared cooldown', async () => {
      const s = await freshStepped();
      await s.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *' } } } }, systemActor);
      await s.loops.retrainTriggers();
      // The alert policies retrain through this same action (alerts/service-performer.ts).
      s.clock.set(START + HOUR - 10 * MINUTE);
      const alert = await s.ctx.jobs.retrain('ctr', { reason: 'ModelWatchFeatureDrift' }, { name: 'webhook:alertmanager', role: 'editor' }, 'alert-1');
      await s.ctx.jobs.cancel(alert.action.jobId!, systemActor, 'test: only its start time counts');
      s.clock.set(START + HOUR);
      await s.loops.retrainTriggers();
      const jobs = await retrains(s.ctx, 'ctr');
      assert.deepEqual(jobs.map((j) => j.actor), ['webhook:alertmanager'], '02:00 is 10 minutes after the alert retrain; cooldown 30 minutes');
      const status = await s.ctx.retrainTriggers.status(await s.ctx.models.get('ctr'));
      assert.equal(status.cooldownUntil, new Date(START + HOUR + 20 * MINUTE).toISOString());
      assert.equal(status.schedule?.nextRun, new Date(START + DAY + HOUR).toISOString(), 'the skipped run is not made up');
    });

    test("a scheduled retrain holds an alert policy's retrain back: the cooldown is shared both ways", async () => {
      const s = await freshStepped();
      await s.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *' } } } }, systemActor);
      await s.loops.retrainTriggers();
      s.clock.set(START + HOUR);
      await s.loops.retrainTriggers();
      const [scheduled] = await retrains(s.ctx, 'ctr');
      assert.equal(scheduled?.actor, 'system:retrain-schedule');
      await s.ctx.jobs.cancel(scheduled.id, systemActor, 'test: only its start time counts');

      // The shipped default policy: modelwatch_action="retrain" retrains, 30-minute cooldown.
      const deliver = (id: string) =>
        normalizeNotification(
          'alertmanager',
          alertmanagerPayloadSchema.parse({
            version: '4',
            receiver: 'modelwatch',
            status: 'firing',
            groupKey: `g-${id}`,
            alerts: [{ status: 'firing', fingerprint: id, startsAt: new Date(s.clock.now()).toISOString(), labels: { alertname: 'ModelWatchFeatureDrift', model: 'ctr', modelwatch_action: 'retrain', severity: 'warning' } }],
          }),
        );
      const sender = { actor: { name: 'webhook:alertmanager', role: 'editor' as const }, credential: 'hmac' };
      s.clock.set(START + HOUR + 10 * MINUTE);
      const [held] = await s.ctx.alerts.receive(deliver('f1'), sender);
      assert.equal(held?.outcome, 'cooldown');
      assert.match(held?.reason ?? '', /queued 600 s ago outside the alert path.*cooldown 1800 s \(1200 s left\)/);
      assert.equal((await retrains(s.ctx, 'ctr')).length, 1, 'no second retrain within the cooldown');

      s.clock.set(START + HOUR + 31 * MINUTE);
      const [acted] = await s.ctx.alerts.receive(deliver('f2'), sender);
      assert.equal(acted?.outcome, 'acted', acted?.reason);
      assert.deepEqual((await retrains(s.ctx, 'ctr')).map((j) => j.actor), ['policy:default-retrain', 'system:retrain-schedule']);
    });

    test('the volume trigger fires when the labelled rows since the last training reach N', async () => {
      const s = await freshStepped();
      await s.ctx.models.create({ name: 'risk', ...SHAPE, settings: { retrain: { volume: { labelledRows: 30 } } } }, systemActor);
      const feed = async (n: number, from: number) => {
        const ts = s.clock.now();
        const predictions = Array.from({ length: n }, (_, i) => ({ id: `p${from + i}`, ts, version: 'v1', score: 0.5, features: { x: i } }));
        const outcomes = predictions.map((p, i) => ({ id: p.id, ts, label: i % 2 }));
        const p = await s.ctx.monitor.ingestPredictions('risk', predictions);
        assert.equal(p.rejected.length, 0, JSON.stringify(p.rejected.slice(0, 2)));
        assert.equal((await s.ctx.monitor.ingestOutcomes('risk', outcomes)).rejected.length, 0);
        await s.loops.flushMonitor();
        s.clock.advance(2 * MINUTE);
      };
      await feed(20, 0);
      await s.loops.retrainTriggers();
      assert.equal((await retrains(s.ctx, 'risk')).length, 0, '20 < 30');
      const below = await s.ctx.retrainTriggers.status(await s.ctx.models.get('risk'));
      assert.deepEqual([below.volume?.labelledSinceLastTraining, below.volume?.labelledRows], [20, 30]);
      await feed(15, 20);
      await s.loops.retrainTriggers();
      await s.loops.retrainTriggers();
      const jobs = await retrains(s.ctx, 'risk');
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.reason, '35 labelled rows since the last training ≥ 30');
    });

    test('a bad cron or time zone is a 400 naming the field; GET retrain-triggers shows the next planned run', async () => {
      const server = await startTestServer(dialect);
      cleanups.push(server.close);
      const bad = await server.request('POST', '/api/v1/models', { body: { name: 'm', ...SHAPE, settings: { retrain: { schedule: { cron: '0 25 * * *' } } } } });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.text, /settings\.retrain\.schedule\.cron: expected a cron pattern like \\?"0 2 \* \* \*\\?"/);
      const zone = await server.request('POST', '/api/v1/models', { body: { name: 'm', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *', timezone: 'Mars/Olympus' } } } } });
      assert.equal(zone.status, 400, zone.text);
      assert.match(zone.text, /settings\.retrain\.schedule\.timezone: expected an IANA time zone/);
      const volume = await server.request('POST', '/api/v1/models', { body: { name: 'm', ...SHAPE, settings: { retrain: { volume: { labelledRows: 0 } } } } });
      assert.equal(volume.status, 400, volume.text);
      assert.match(volume.text, /settings\.retrain\.volume\.labelledRows/);
      const recency = await server.request('POST', '/api/v1/models', { body: { name: 'm', ...SHAPE, settings: { retrain: { params: { recencyHalfLife: 'a while' } } } } });
      assert.equal(recency.status, 400, recency.text);
      assert.match(recency.text, /settings\.retrain\.params\.recencyHalfLife: expected a duration like 3d/);
      const good = await server.request('POST', '/api/v1/models', {
        body: { name: 'm', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' }, params: { recencyHalfLife: '3d' } } } },
      });
      assert.equal(good.status, 201, good.text);
      const shown = await server.request('GET', '/api/v1/models/m/retrain-triggers');
      assert.equal(shown.status, 200, shown.text);
      const body = shown.body as { schedule: { timezone: string; nextRun: string }; volume: unknown; cooldownMs: number; retrainActive: boolean; recencyHalfLifeMs: number | null };
      assert.equal(body.schedule.timezone, 'Europe/Berlin');
      // 02:00 in Berlin is 00:00 or 01:00 UTC, within a day from now.
      const next = Date.parse(body.schedule.nextRun);
      assert.ok(next > Date.now() && next <= Date.now() + DAY && [0, 1].includes(new Date(next).getUTCHours()), body.schedule.nextRun);
      assert.deepEqual([body.volume, body.cooldownMs, body.retrainActive, body.recencyHalfLifeMs], [null, 30 * MINUTE, false, 3 * DAY]);
      assert.equal((await server.request('GET', '/api/v1/models/nope/retrain-triggers')).status, 404);
    });

    if (dialect === 'postgres') {
      test('two services on one PostgreSQL enqueue one job for one planned run', async () => {
        const config = await makeTestConfig(dialect);
        cleanups.push(async () => fs.rmSync(config.dataDir, { recursive: true, force: true }));
        const a = await stepped(config);
        cleanups.push(a.close);
        await a.ctx.models.create({ name: 'ctr', ...SHAPE, settings: { retrain: { schedule: { cron: '0 2 * * *' }, cooldown: 0 } } }, systemActor);
        const b = await stepped(config, new VirtualClock(START));
        cleanups.push(b.close);
        await Promise.all([a.loops.retrainTriggers(), b.loops.retrainTriggers()]);
        a.clock.set(START + HOUR);
        b.clock.set(START + HOUR);
        await Promise.all([a.loops.retrainTriggers(), b.loops.retrainTriggers()]);
        assert.equal((await retrains(a.ctx, 'ctr')).length, 1);
      });
    }
  });
}
