import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { resultIds, ServicePerformer, type ServicePerformerPorts } from './service-performer.ts';

const actor: Actor = { name: 'policy:p', role: 'admin' };
const options = { labels: { alertname: 'X', model: 'ctr' } };
const unused = () => Promise.reject(new Error('not called in this test'));
const ports = (overrides: Partial<ServicePerformerPorts>): ServicePerformerPorts => ({
  jobs: { retrain: unused, list: unused },
  actions: { rollback: unused },
  experiments: { stop: unused, list: unused },
  shadows: { running: unused },
  ...overrides,
});

test('resultIds reads action replies, jobs, and plain records', () => {
  assert.deepEqual(resultIds({ action: { id: 'a1', jobId: 'j1', status: 'succeeded' }, replayed: false }), { actionId: 'a1', jobId: 'j1', status: 'succeeded' });
  assert.deepEqual(resultIds({ id: 'j2', type: 'retrain', status: 'queued', progress: 0, actionId: 'a2' }), { actionId: 'a2', jobId: 'j2', status: 'queued' });
  assert.deepEqual(resultIds({ action: { id: 'a3', jobId: null }, job: { id: 'j3' } }), { actionId: 'a3', jobId: 'j3', status: undefined });
  assert.deepEqual(resultIds(undefined), { actionId: undefined, jobId: undefined, status: undefined });
});

test('retrain goes to the job service with the idempotency key and the policy retrain settings', async () => {
  const calls: unknown[] = [];
  const performer = new ServicePerformer(
    ports({
      jobs: {
        retrain: async (model: string, input: unknown, who: Actor, key: string) => {
          calls.push({ model, input, who: who.name, key });
          return { action: { id: 'action-1', status: 'running', jobId: 'job-1' }, replayed: false };
        },
        list: unused,
      },
    }),
  );
  const result = await performer.retrain('ctr', 'drift', actor, 'alert-k', { ...options, retrain: { gpus: 1, runner: 'command', params: undefined } });
  assert.deepEqual(result, { actionId: 'action-1', jobId: 'job-1', status: 'running' });
  assert.deepEqual(calls, [{ model: 'ctr', input: { reason: 'drift', gpus: 1, runner: 'command' }, who: 'policy:p', key: 'alert-k' }]);
});

test("lastRetrain is the model's newest retrain job: when it was queued; other jobs do not count", async () => {
  const asked: unknown[] = [];
  const jobs = [
    { id: 'p1', type: 'profile', status: 'queued', createdAt: '2026-12-02T10:00:00.000Z', producedVersion: null },
    { id: 'r2', type: 'retrain', status: 'failed', createdAt: '2026-12-02T09:00:00.000Z', producedVersion: null },
    { id: 'r1', type: 'retrain', status: 'running', createdAt: '2026-12-01T09:00:00.000Z', producedVersion: null },
  ];
  const performer = new ServicePerformer(ports({ jobs: { retrain: unused, list: async (q) => (asked.push(q), jobs) } }));
  assert.deepEqual(await performer.lastRetrain('ctr'), { at: Date.parse('2026-12-02T09:00:00.000Z'), inFlight: null });
  assert.deepEqual(asked, [{ model: 'ctr', limit: 100 }]);
  const none = new ServicePerformer(ports({ jobs: { retrain: unused, list: async () => jobs.slice(0, 1) } }));
  assert.equal(await none.lastRetrain('ctr'), null);
});

test('a retrain is in flight while its job runs, while its version shadows the champion, and while its canary decides', async () => {
  const job = (status: string, producedVersion: string | null = null) => [{ id: 'r1', type: 'retrain', status, createdAt: '2026-12-02T09:00:00.000Z', producedVersion }];
  const world = {
    shadows: [{ model: 'other', version: 'v2' }] as Array<{ model: string; version: string }>,
    experiments: [] as Array<{ id: string; arms: Array<{ version: string }> }>,
  };
  const inFlight = async (jobs: ReturnType<typeof job>) =>
    (
      await new ServicePerformer(
        ports({
          jobs: { retrain: unused, list: async () => jobs },
          experiments: { stop: unused, list: async (q) => (q.model === 'ctr' ? world.experiments : []) },
          shadows: { running: async () => world.shadows },
        }),
      ).lastRetrain('ctr')
    )?.inFlight;
  assert.equal(await inFlight(job('queued')), 'retrain job r1 is still queued');
  assert.equal(await inFlight(job('running')), 'retrain job r1 is still running');
  assert.equal(await inFlight(job('succeeded', 'v2')), null, "another model's shadow of a v2 holds nothing");
  world.shadows.push({ model: 'ctr', version: 'v2' });
  assert.equal(await inFlight(job('succeeded', 'v2')), 'v2, trained by retrain job r1, is still shadowing the champion');
  world.shadows = [];
  world.experiments = [{ id: 'e0', arms: [{ version: 'v1' }, { version: 'v9' }] }];
  assert.equal(await inFlight(job('succeeded', 'v2')), null, 'an experiment without the retrained version holds nothing');
  world.experiments.push({ id: 'e1', arms: [{ version: 'v1' }, { version: 'v2' }] });
  assert.equal(await inFlight(job('succeeded', 'v2')), 'the canary experiment e1 of v2 (retrain job r1) is still deciding');
  assert.equal(await inFlight(job('succeeded', null)), null, 'a retrain that produced no version (the gate refused it) holds nothing');
  assert.equal(await inFlight(job('cancelled', 'v2')), null);
});

test('stop_experiment needs the experiment label', async () => {
  const performer = new ServicePerformer(ports({}));
  await assert.rejects(performer.stopExperiment('ctr', 'r', actor, 'k', options), (e: unknown) => e instanceof DomainError && /no "experiment" label/.test(e.message));
});

test('stop_experiment passes the experiment and the decision from the alert labels', async () => {
  const seen: unknown[] = [];
  const performer = new ServicePerformer(
    ports({
      experiments: {
        stop: async (id: string, input: unknown, who: Actor, key: string) => {
          seen.push({ id, input, who: who.name, key });
          return { experiment: { id }, action: { id: 'stop-1', status: 'succeeded' } };
        },
        list: unused,
      },
    }),
  );
  const result = await performer.stopExperiment('ctr', 'SRM', actor, 'k', {
    labels: { ...options.labels, experiment: 'exp-1', decision: 'rollback' },
  });
  assert.equal(result.actionId, 'stop-1');
  assert.deepEqual(seen, [{ id: 'exp-1', input: { decision: 'rollback', reason: 'SRM' }, who: 'policy:p', key: 'k' }]);
});

test('rollback passes the alert\'s version label and returns what it was aimed at', async () => {
  const seen: unknown[] = [];
  const target = { version: 'v2', role: 'experiment_arm' as const, championBefore: 'v1', championAfter: 'v1', experimentId: 'e1', decision: 'stopped e1' };
  const performer = new ServicePerformer(
    ports({
      actions: {
        rollback: async (model: string, input: unknown, who: Actor, key: string) => {
          seen.push({ model, input, who: who.name, key });
          return { action: { id: 'stop-1', status: 'succeeded' }, target };
        },
      },
    }),
  );
  const result = await performer.rollback('ctr', 'errors', actor, 'k', { labels: { ...options.labels, version: 'v2' } });
  assert.deepEqual(seen, [{ model: 'ctr', input: { reason: 'errors', version: 'v2' }, who: 'policy:p', key: 'k' }]);
  assert.deepEqual(result, { actionId: 'stop-1', jobId: undefined, status: 'succeeded', details: { target } });
});
