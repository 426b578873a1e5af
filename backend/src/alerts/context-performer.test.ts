import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../errors.ts';
import { contextActionPerformer, resultIds } from './context-performer.ts';

const actor: Actor = { name: 'policy:p', role: 'admin' };
const options = { labels: { alertname: 'X', model: 'ctr' } };

test('resultIds reads action replies, jobs, and plain records', () => {
  assert.deepEqual(resultIds({ action: { id: 'a1', jobId: 'j1', status: 'succeeded' }, replayed: false }), { actionId: 'a1', jobId: 'j1', status: 'succeeded' });
  assert.deepEqual(resultIds({ id: 'j2', type: 'retrain', status: 'queued', progress: 0, actionId: 'a2' }), { actionId: 'a2', jobId: 'j2', status: 'queued' });
  assert.deepEqual(resultIds({ action: { id: 'a3', jobId: null }, job: { id: 'j3' } }), { actionId: 'a3', jobId: 'j3', status: undefined });
  assert.deepEqual(resultIds(undefined), { actionId: undefined, jobId: undefined, status: undefined });
});

test('retrain: the job service records an action (idempotency key) and enqueues the job', async () => {
  const calls: unknown[] = [];
  const ctx = {
    actions: {
      run: async (type: string, model: string, who: Actor, reason: string, key: string, work: (a: { id: string }) => Promise<{ jobId: string | null }>) => {
        calls.push({ type, model, who: who.name, reason, key });
        const outcome = await work({ id: 'action-1' });
        return { action: { id: 'action-1', status: 'succeeded', jobId: outcome.jobId }, replayed: false };
      },
    },
    jobs: {
      enqueue: async (input: Record<string, unknown>) => {
        calls.push(input);
        return { id: 'job-1', type: 'retrain', status: 'queued', progress: 0, actionId: input.actionId };
      },
    },
  } as unknown as AppContext;
  const performer = contextActionPerformer(() => ctx);
  const result = await performer.retrain('ctr', 'drift', actor, 'alert-k', { ...options, retrain: { gpus: 1, runner: 'command' } });
  assert.deepEqual(result, { actionId: 'action-1', jobId: 'job-1', status: 'succeeded' });
  assert.deepEqual(calls, [
    { type: 'retrain', model: 'ctr', who: 'policy:p', reason: 'drift', key: 'alert-k' },
    { type: 'retrain', model: 'ctr', gpus: 1, runner: 'command', reason: 'drift', actor, actionId: 'action-1' },
  ]);
});

test('missing services and labels fail with a domain error the decision records', async () => {
  const performer = contextActionPerformer(() => ({}) as AppContext);
  await assert.rejects(performer.retrain('ctr', 'r', actor, 'k', options), (e: unknown) => e instanceof DomainError && e.code === 'unavailable');
  await assert.rejects(performer.stopExperiment('ctr', 'r', actor, 'k', options), /no "experiment" label/);
  await assert.rejects(
    performer.stopExperiment('ctr', 'r', actor, 'k', { labels: { ...options.labels, experiment: 'e1' } }),
    (e: unknown) => e instanceof DomainError && e.code === 'unavailable',
  );
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
