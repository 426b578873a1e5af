import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppContext } from '../http/app-context.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { contextActionPerformer, resultIds } from './context-performer.ts';

const actor: Actor = { name: 'policy:p', role: 'admin' };
const options = { labels: { alertname: 'X', model: 'ctr' } };

test('resultIds reads action replies, jobs, and plain records', () => {
  assert.deepEqual(resultIds({ action: { id: 'a1', jobId: 'j1', status: 'succeeded' }, replayed: false }), { actionId: 'a1', jobId: 'j1', status: 'succeeded' });
  assert.deepEqual(resultIds({ id: 'j2', type: 'retrain', status: 'queued', progress: 0, actionId: 'a2' }), { actionId: 'a2', jobId: 'j2', status: 'queued' });
  assert.deepEqual(resultIds({ action: { id: 'a3', jobId: null }, job: { id: 'j3' } }), { actionId: 'a3', jobId: 'j3', status: undefined });
  assert.deepEqual(resultIds(undefined), { actionId: undefined, jobId: undefined, status: undefined });
});

test('retrain goes to the job service with the idempotency key and the policy retrain settings', async () => {
  const calls: unknown[] = [];
  const ctx = {
    jobs: {
      retrain: async (model: string, input: unknown, who: Actor, key: string) => {
        calls.push({ model, input, who: who.name, key });
        return { action: { id: 'action-1', status: 'running', jobId: 'job-1' }, replayed: false };
      },
    },
  } as unknown as AppContext;
  const performer = contextActionPerformer(() => ctx);
  const result = await performer.retrain('ctr', 'drift', actor, 'alert-k', { ...options, retrain: { gpus: 1, runner: 'command', params: undefined } });
  assert.deepEqual(result, { actionId: 'action-1', jobId: 'job-1', status: 'running' });
  assert.deepEqual(calls, [{ model: 'ctr', input: { reason: 'drift', gpus: 1, runner: 'command' }, who: 'policy:p', key: 'alert-k' }]);
});

test('stop_experiment needs the experiment label', async () => {
  const performer = contextActionPerformer(() => ({}) as AppContext);
  await assert.rejects(performer.stopExperiment('ctr', 'r', actor, 'k', options), (e: unknown) => e instanceof DomainError && /no "experiment" label/.test(e.message));
});

test('stop_experiment passes the experiment and the decision from the alert labels', async () => {
  const seen: unknown[] = [];
  const ctx = {
    experiments: {
      stop: async (id: string, input: unknown, who: Actor, key: string) => {
        seen.push({ id, input, who: who.name, key });
        return { experiment: { id }, action: { id: 'stop-1', status: 'succeeded' } };
      },
    },
  } as unknown as AppContext;
  const result = await contextActionPerformer(() => ctx).stopExperiment('ctr', 'SRM', actor, 'k', {
    labels: { ...options.labels, experiment: 'exp-1', decision: 'rollback' },
  });
  assert.equal(result.actionId, 'stop-1');
  assert.deepEqual(seen, [{ id: 'exp-1', input: { decision: 'rollback', reason: 'SRM' }, who: 'policy:p', key: 'k' }]);
});
