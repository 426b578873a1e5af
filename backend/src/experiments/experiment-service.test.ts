/**
 * ExperimentService against a real store (both dialects) with fake ports: the one-running
 * index under a race, the closed-hours and closed-minutes totals cache, a failed promotion leaving the
 * experiment running, stop without an action record.
 */
import { validateModelSettings } from '../compose/model-settings.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { Action } from '../actions/action-types.ts';
import type { ExperimentService } from '../actions/experiment-service.ts';
import type { ExperimentActions } from '../actions/stop-experiment.ts';
import { AuditLog } from '../audit/audit.ts';
import { systemActor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { ModelService } from '../models/model-service.ts';
import { Leases } from '../store/leases.ts';
import { migrateToLatest, openStore, type Store } from '../store/database.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { createExperiments } from '../compose/experiments.ts';
import { RunningExperiments } from '../serving/running-experiments.ts';
import type { TotalsRow, TotalsSource } from './experiment-results.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 12);

/** Totals of a constant traffic: per arm and minute 100 requests/impressions, 5 or 7 clicks. */
function fakeMonitor(calls: { from: number; to: number }[]): TotalsSource {
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

const unexpected = async (): Promise<never> => {
  throw new Error('not expected in this test');
};

/** An action record as the action service answers it. */
const fakeAction = (id: string): Action => ({
  id,
  type: 'stop_experiment',
  status: 'succeeded',
  model: 'fail',
  fromVersion: null,
  toVersion: null,
  jobId: null,
  actor: 'system',
  reason: null,
  createdAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  details: {},
});

/** A stop recorded the way it was without an action service: its work, then its audit entry, and no action record. */
function auditOnly(audit: AuditLog): ExperimentActions {
  return {
    promote: unexpected,
    rollback: unexpected,
    run: async (type, model, actor, reason, _key, work) => {
      const outcome = (await work({ id: 'unrecorded' })) ?? {};
      await audit.record({ type, model, actor, reason, fromVersion: outcome.fromVersion, toVersion: outcome.toVersion, details: outcome.details });
      return { action: null as unknown as Action, replayed: false };
    },
  };
}

for (const dialect of testDialects()) {
  describe(`ExperimentService on ${dialect}`, () => {
    let store: Store;
    let dir: string;
    const clock = { t: T0, now() { return this.t; } };
    // The fakes each test swaps in; the service holds ports that delegate to them.
    let monitor: TotalsSource = { totals: unexpected };
    let actions: ExperimentActions = { promote: unexpected, rollback: unexpected, run: unexpected };
    let service: ExperimentService;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-exp-'));
      store = await openStore({ dataDir: dir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined });
      await migrateToLatest(store);
      const audit = new AuditLog(store);
      const models = new ModelService(store, audit, validateModelSettings, 50);
      for (const name of ['race', 'cache', 'fail']) {
        await models.create({ name, task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, systemActor);
      }
      service = createExperiments(
        {
          store,
          audit,
          models,
          // Every version is registered and valid; no champion yet.
          registry: { findVersion: async () => ({}), aliases: async () => ({}) },
          serving: { ensureLoaded: async () => undefined },
          // No prediction carries a unit id here: results analyse by event.
          monitor: { totals: (model, q) => monitor.totals(model, q), unitTotals: async () => [] },
          actions: {
            promote: (...args) => actions.promote(...args),
            rollback: (...args) => actions.rollback(...args),
            run: (...args) => actions.run(...args),
          },
          runningExperiments: new RunningExperiments(),
          // One process: no other replica to tell or hear from.
          routing: { notify: () => {}, subscribe: () => {} },
          clock,
          logger: createLogger('silent'),
          prometheus: new Registry(),
          leases: new Leases(store, { holder: 'test', ttlMs: 10_000, logger: createLogger('silent') }),
        },
        { autoDecideIntervalMs: 0 },
      );
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

    test('closed hours and closed minutes are read once (per TTL, per minute); the last two minutes every time; sums are unchanged', async () => {
      const calls: { from: number; to: number }[] = [];
      monitor = fakeMonitor(calls);
      clock.t = T0;
      const { experiment } = await service.create(input('cache'), systemActor);
      clock.t = T0 + 5 * HOUR + 30 * 60_000;
      const first = await service.results(experiment.id);
      const second = await service.results(experiment.id);
      const split = T0 + 4 * HOUR;
      const fresh = clock.t - 2 * 60_000;
      assert.deepEqual(calls, [
        { from: T0, to: split },
        { from: split, to: fresh },
        { from: fresh, to: clock.t },
        { from: fresh, to: clock.t },
      ]);
      const minutes = 5 * 60 + 30;
      assert.deepEqual(first.srm.counts, [100 * minutes, 100 * minutes]);
      assert.deepEqual(second.metrics, first.metrics);
      assert.equal(first.metrics[0]!.arms[1]!.sum, 7 * minutes);
      assert.equal(first.decision.recommendation, 'promote');
      // A minute later: the closed minutes are read again up to the new split, the hours are not.
      calls.length = 0;
      clock.t += 60_000;
      const third = await service.results(experiment.id);
      assert.deepEqual(calls, [
        { from: split, to: fresh + 60_000 },
        { from: fresh + 60_000, to: clock.t },
      ]);
      assert.deepEqual(third.srm.counts, [100 * (minutes + 1), 100 * (minutes + 1)]);
      // A cached part is never changed by the sums made from it.
      assert.deepEqual((await service.results(experiment.id)).srm.counts, third.srm.counts);
    });

    test('a promotion that fails leaves the experiment running; stop "none" works without an action record', async () => {
      monitor = fakeMonitor([]);
      const { experiment } = await service.create(input('fail'), systemActor);
      clock.t += 2 * HOUR;
      let ran = false;
      actions = {
        promote: async () => {
          throw new DomainError('failed_precondition', 'version "v2" failed validation and never serves');
        },
        rollback: unexpected,
        run: async (_type, _model, _actor, _reason, _key, work) => {
          ran = true;
          await work({ id: 'a1' });
          return { action: fakeAction('a1'), replayed: false };
        },
      };
      await assert.rejects(service.stop(experiment.id, { decision: 'promote' }, systemActor), /failed validation/);
      assert.ok(ran);
      assert.equal((await service.get(experiment.id)).status, 'running');
      assert.equal((await service.assign('fail', 'u1'))?.experimentId, experiment.id);
      actions = auditOnly(new AuditLog(store));
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
