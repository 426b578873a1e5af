import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { alertmanagerPayload } from './testdata/payloads.ts';

/**
 * An alert names the version it is about; the rollback it asks for hits that version only
 * (actions/targeted-rollback.ts), through the real webhook route and the real services:
 * a failing experiment arm, ramp canary or retrain canary loses its traffic and the
 * champion stays; a failing champion is rolled back.
 */

const AM = '/api/v1/webhooks/alertmanager';
const UNITS = Array.from({ length: 60 }, (_, i) => `unit-${i}`);

const errorAlert = (model: string, version: string | undefined, startsAt = '2026-01-01T10:00:00Z') => ({
  labels: {
    alertname: 'ModelWatchErrorRateHigh',
    model,
    ...(version ? { version } : {}),
    modelwatch_action: 'rollback',
    severity: 'critical',
  },
  startsAt,
  fingerprint: `fp-${model}-${version ?? 'none'}-${startsAt}`,
});

for (const dialect of testDialects()) {
  describe(`alerts roll back the version they name, on ${dialect}`, () => {
    let server: TestServer;
    let webhook: string;

    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_JOBS_POLL_MS: '50', MODELWATCH_JOBS_HEARTBEAT_MS: '100', MODELWATCH_GPUS: 'none' });
      webhook = (await server.request('POST', '/api/v1/tokens', { body: { name: 'alertmanager', role: 'webhook' } })).body.token;
    });
    after(() => server?.close());

    const deliver = async (model: string, version: string | undefined, startsAt?: string) => {
      const reply = await server.request('POST', AM, { body: alertmanagerPayload([errorAlert(model, version, startsAt)]), token: webhook });
      assert.equal(reply.status, 200, reply.text);
      return reply.body.results[0];
    };
    const champion = async (model: string) => (await server.request('GET', `/api/v1/models/${model}/serving`)).body.champion;
    /** The versions /predict serves to the 60 units. */
    const served = async (model: string, features: Record<string, unknown> = { price: 1, age: 2, category: 'a' }): Promise<Set<string>> => {
      const instances = UNITS.map((unitId) => ({ unitId, features }));
      const reply = await server.request('POST', `/api/v1/models/${model}/predict`, { body: { instances } });
      assert.equal(reply.status, 200, reply.text);
      return new Set(reply.body.predictions.map((p: { version: string }) => p.version));
    };
    /** Champion v1 with v0 before it, and v2 registered. */
    const setUp = async (model: string) => {
      await createTestModel(server, model);
      for (const [version, weight] of [['v0', 0.1], ['v1', 0.2], ['v2', 0.3]] as const) {
        await registerLogistic(server, model, [weight, 0], 0, { version });
      }
      await promote(server, model, 'v0');
      await promote(server, model, 'v1');
    };
    const startExperiment = async (model: string) => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model, primaryMetric: 'ctr', arms: [{ name: 'control', version: 'v1', weight: 50 }, { name: 'treatment', version: 'v2', weight: 50 }] },
      });
      assert.equal(created.status, 201, created.text);
      return created.body.experiment.id as string;
    };

    test('experiment v1 vs v2, an error alert about v2: the experiment stops, v1 stays champion, v2 serves nothing', async () => {
      await setUp('arm');
      const id = await startExperiment('arm');
      assert.deepEqual([...(await served('arm'))].sort(), ['v1', 'v2'], 'before the alert both arms serve');

      const result = await deliver('arm', 'v2');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'experiment_arm');
      assert.equal(result.target.version, 'v2');
      assert.equal(result.target.experimentId, id);
      assert.equal(result.target.championAfter, 'v1');
      assert.equal(await champion('arm'), 'v1');
      assert.deepEqual([...(await served('arm'))], ['v1']);
      const experiment = (await server.request('GET', `/api/v1/experiments/${id}`)).body.experiment;
      assert.equal(experiment.status, 'stopped');
      assert.equal(experiment.decision, 'rollback');

      // The incident and the audit log say what was aimed at and why.
      const incident = (await server.request('GET', '/api/v1/incidents?model=arm')).body.incidents[0];
      assert.equal(incident.decision.target.role, 'experiment_arm');
      assert.match(incident.decision.reason, /not the champion v1: stopped the experiment/);
      const audit = (await server.request('GET', '/api/v1/audit?model=arm')).body.actions;
      const decision = audit.find((a: { type: string }) => a.type === 'alert.decision');
      assert.equal(decision.details.target.version, 'v2');
      assert.match(decision.details.target.decision, /v2 serves nothing, the champion stays/);

      // Minutes later the champion fails too: another target, not held by v2's cooldown.
      const next = await deliver('arm', 'v1', '2026-01-01T10:05:00Z');
      assert.equal(next.outcome, 'acted', JSON.stringify(next));
      assert.equal(next.target.role, 'champion');
      assert.equal(await champion('arm'), 'v0');
      const again = await deliver('arm', 'v1', '2026-01-01T10:06:00Z');
      assert.equal(again.outcome, 'cooldown', 'the same target again within 30 minutes');
    });

    test('the same experiment, an error alert about the champion v1: the experiment ends and v0 serves', async () => {
      await setUp('champ');
      const id = await startExperiment('champ');
      const result = await deliver('champ', 'v1');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'champion');
      assert.equal(result.target.championAfter, 'v0');
      assert.equal(await champion('champ'), 'v0');
      assert.deepEqual([...(await served('champ'))], ['v0']);
      assert.equal((await server.request('GET', `/api/v1/experiments/${id}`)).body.experiment.status, 'stopped');
    });

    test('a canary ramp of v2, an error alert about v2: the ramp ends, v1 stays champion', async () => {
      await setUp('ramp');
      const started = await server.request('POST', '/api/v1/models/ramp/actions/promote', {
        body: { version: 'v2', reason: 'canary', strategy: 'canary', steps: [50, 100], stepSeconds: 3600 },
      });
      assert.equal(started.status, 202, started.text);
      assert.deepEqual([...(await served('ramp'))].sort(), ['v1', 'v2'], 'the canary serves before the alert');

      const result = await deliver('ramp', 'v2');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'canary');
      assert.equal(await champion('ramp'), 'v1');
      assert.deepEqual([...(await served('ramp'))], ['v1']);
      const state = (await server.request('GET', '/api/v1/models/ramp/serving')).body;
      assert.equal(state.canary, null);
      const ramp = (await server.request('GET', `/api/v1/actions/${started.body.action.id}`)).body.action;
      assert.equal(ramp.status, 'failed');
      assert.ok(ramp.details.aborted);
    });

    test('a canary ramp of v2, an error alert about the champion v1: the ramp ends and v0 serves', async () => {
      await setUp('ramp-champ');
      const started = await server.request('POST', '/api/v1/models/ramp-champ/actions/promote', {
        body: { version: 'v2', reason: 'canary', strategy: 'canary', steps: [50, 100], stepSeconds: 3600 },
      });
      assert.equal(started.status, 202, started.text);
      const result = await deliver('ramp-champ', 'v1');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'champion');
      assert.equal(await champion('ramp-champ'), 'v0');
      assert.deepEqual([...(await served('ramp-champ'))], ['v0']);
      assert.equal((await server.request('GET', `/api/v1/actions/${started.body.action.id}`)).body.action.status, 'failed');
    });

    test('an alert about a version nothing serves changes nothing; one without a version rolls the champion back', async () => {
      await setUp('idle');
      const result = await deliver('idle', 'v2');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'not_serving');
      assert.equal(result.actionId, null, 'nothing changed, so no action');
      assert.match(result.reason, /v2, which serves no traffic/);
      assert.equal(await champion('idle'), 'v1');
      await setUp('plain');
      const plain = await deliver('plain', undefined);
      assert.equal(plain.target.role, 'unnamed');
      assert.equal(await champion('plain'), 'v0');
    });

    test('an alert without a version during an experiment against the champion ends the experiment first', async () => {
      await setUp('unnamed');
      const id = await startExperiment('unnamed');
      const result = await deliver('unnamed', undefined);
      assert.equal(result.target.role, 'unnamed');
      assert.equal(result.target.experimentId, id);
      assert.equal(await champion('unnamed'), 'v1');
      assert.deepEqual([...(await served('unnamed'))], ['v1']);
    });

    test("a retrain's canary, an error alert about the retrained version: the canary ends with its guardrails, the champion stays", async () => {
      const model = 'retrained';
      const features = [{ name: 'x1', type: 'numeric' }, { name: 'x2', type: 'numeric' }];
      const settings = { retrain: { window: '7d', onSuccess: 'canary', canary: { weight: 50 } } };
      assert.equal((await server.request('POST', '/api/v1/models', { body: { name: model, features, settings } })).status, 201);
      // Labelled traffic to train on: click probability sigmoid(1.5·x1 − x2 − 0.5).
      const rand = createRng(3);
      const now = Date.now();
      const rows = Array.from({ length: 600 }, (_, i) => ({ id: `r${i}`, ts: now - (600 - i) * 60_000, x1: rand() * 4 - 2, x2: rand() * 4 - 2 }));
      const predictions = rows.map((r) => ({ id: r.id, ts: r.ts, version: 'external', features: { x1: r.x1, x2: r.x2 }, score: 0.5, latencyMs: 3 }));
      const outcomes = rows.map((r) => ({ id: r.id, ts: r.ts + 1000, impression: 1, click: rand() < 1 / (1 + Math.exp(-(1.5 * r.x1 - r.x2 - 0.5))) ? 1 : 0 }));
      assert.equal((await server.request('POST', `/api/v1/models/${model}/predictions`, { body: { records: predictions } })).body.accepted, 600);
      assert.equal((await server.request('POST', `/api/v1/models/${model}/outcomes`, { body: { records: outcomes } })).body.accepted, 600);
      const retrain = async (reason: string) => {
        const started = await server.request('POST', `/api/v1/models/${model}/actions/retrain`, { body: { reason, params: { maxIterations: 30 } } });
        assert.equal(started.status, 202, started.text);
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
          const job = (await server.request('GET', `/api/v1/jobs/${started.body.action.jobId}`)).body.job;
          if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
        }
        assert.fail('the retrain job did not finish in 60 s');
      };
      assert.equal((await retrain('first')).status, 'succeeded');
      await promote(server, model, 'v1');
      const second = await retrain('again');
      assert.equal(second.status, 'succeeded', second.error);
      const id = second.result.canary.experimentId;
      const experiment = (await server.request('GET', `/api/v1/experiments/${id}`)).body.experiment;
      assert.deepEqual(experiment.guardrails.map((g: { metric: string }) => g.metric), ['ctr', 'error_rate', 'latency']);
      const input = { x1: 1, x2: 0 };
      assert.deepEqual([...(await served(model, input))].sort(), ['v1', 'v2'], 'the canary serves before the alert');

      const result = await deliver(model, 'v2');
      assert.equal(result.outcome, 'acted', JSON.stringify(result));
      assert.equal(result.target.role, 'experiment_arm');
      assert.equal(result.target.experimentId, id);
      assert.equal(await champion(model), 'v1');
      assert.deepEqual([...(await served(model, input))], ['v1']);
      assert.equal((await server.request('GET', `/api/v1/experiments/${id}`)).body.experiment.status, 'stopped');
    });
  });
}
