/**
 * ExperimentService against a real store (both dialects) with fake peers: the one-running
 * index under a race, the closed-hours totals cache, a failed promotion leaving the
 * experiment running, stop without an action service.
 */
import { validateModelSettings } from '../compose/model-settings.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog } from '../audit/audit.ts';
import { systemActor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { ModelService } from '../models/model-service.ts';
import { migrateToLatest, openStore, type Store } from '../store/database.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { ExperimentService, type ExperimentPeers, type TotalsRow } from './experiment-service.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 12);

/** Totals of a constant traffic: per arm and minute 100 requests/impressions, 5 or 7 clicks. */
function fakeMonitor(calls: { from: number; to: number }[]): ExperimentPeers['monitor'] {
  return {
    async totals(_model, q) {
      calls.push({ from: q.from, to: q.to });
      const minutes = Math.max(0, Math.ceil(q.to / 60_000) - Math.floor(q.from / 60_000));
      const row = (arm: string, version: string, clicks: number): TotalsRow => ({
        version,
        arm,
        requests: 100 * minutes,
        errors: 0,
        impressions: 100 * minutes,
        clicks: clicks * minutes,
        conversions: 0,
        labelled: 0,
        positives: 0,
      });
      return [row('control', 'v1', 5), row('treatment', 'v2', 7)];
    },
  };
}

for (const dialect of testDialects()) {
  describe(`ExperimentService on ${dialect}`, () => {
    let store: Store;
    let dir: string;
    const clock = { t: T0, now() { return this.t; } };
    const peers: ExperimentPeers = {};
    let service: ExperimentService;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-exp-'));
      store = await openStore({ dataDir: dir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined });
      await migrateToLatest(store);
      const audit = new AuditLog(store);
      const models = new ModelService(store, audit, validateModelSettings);
      for (const name of ['race', 'cache', 'fail']) {
        await models.create({ name, task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, systemActor);
      }
      service = new ExperimentService({ store, audit, models, clock, logger: createLogger('silent'), peers: () => peers }, { autoDecideIntervalMs: 0 });
      await service.start();
    });
    after(async () => {
      await service.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const input = (model: string) => ({
      model,
      arms: [
        { name: 'control', version: 'v1', weight: 1 },
        { name: 'treatment', version: 'v2', weight: 1 },
      ],
      primaryMetric: 'ctr',
      metrics: [],
    });

    test('two creates racing for one model: exactly one wins, the other is a 409', async () => {
      const outcomes = await Promise.allSettled([service.create(input('race'), systemActor), service.create(input('race'), systemActor)]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      assert.ok(failed.reason instanceof DomainError);
      assert.equal(failed.reason.code, 'conflict');
      assert.equal((await service.list({ model: 'race' })).length, 1);
    });

    test('closed hours are read once per TTL; the open hours every time; sums are unchanged', async () => {
      const calls: { from: number; to: number }[] = [];
      peers.monitor = fakeMonitor(calls);
      clock.t = T0;
      const { experiment } = await service.create(input('cache'), systemActor);
      clock.t = T0 + 5 * HOUR + 30 * 60_000;
      const first = await service.results(experiment.id);
      const second = await service.results(experiment.id);
      const split = T0 + 4 * HOUR;
      assert.deepEqual(calls, [
        { from: T0, to: split },
        { from: split, to: clock.t },
        { from: split, to: clock.t },
      ]);
      const minutes = 5 * 60 + 30;
      assert.deepEqual(first.srm.counts, [100 * minutes, 100 * minutes]);
      assert.deepEqual(second.metrics, first.metrics);
      assert.equal(first.metrics[0]!.arms[1]!.sum, 7 * minutes);
      assert.equal(first.decision.recommendation, 'promote');
    });

    test('a promotion that fails leaves the experiment running; stop "none" works without an action service', async () => {
      peers.monitor = fakeMonitor([]);
      const { experiment } = await service.create(input('fail'), systemActor);
      clock.t += 2 * HOUR;
      let ran = false;
      peers.actions = {
        promote: async () => {
          throw new DomainError('failed_precondition', 'version "v2" failed validation and never serves');
        },
        run: async (_type, _model, _actor, _reason, _key, work) => {
          ran = true;
          await work({ id: 'a1' });
          return { action: { id: 'a1' } };
        },
      };
      await assert.rejects(service.stop(experiment.id, { decision: 'promote' }, systemActor), /failed validation/);
      assert.ok(ran);
      assert.equal((await service.get(experiment.id)).status, 'running');
      assert.equal((await service.assign('fail', 'u1'))?.experimentId, experiment.id);
      peers.actions = {};
      const stopped = await service.stop(experiment.id, { decision: 'none', reason: 'done' }, systemActor);
      assert.equal(stopped.experiment.status, 'stopped');
      assert.equal(stopped.action, null);
      assert.equal(stopped.recommendation, 'promote');
      assert.equal(await service.assign('fail', 'u1'), undefined);
      const audit = await new AuditLog(store).list({ model: 'fail', type: 'stop_experiment' });
      assert.equal(audit[0]?.reason, 'done');
      await assert.rejects(service.stop(experiment.id, { decision: 'none' }, systemActor), /already stopped/);
      await assert.rejects(service.stop(experiment.id, { decision: 'maybe' as never }, systemActor), /decision: one of promote, rollback, none/);
    });
  });
}
