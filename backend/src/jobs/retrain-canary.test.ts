import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../auth/roles.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { createTestModel, promote } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import type { JobContext } from './job-handler.ts';
import { startCanary } from './retrain-canary.ts';
import type { RetrainRun } from './retrain-run.ts';
import { retrainSettingsOf } from './retrain-settings.ts';

/**
 * The last step of a retrain, on the real registry and experiment service: the champion the
 * gate compared with can be replaced before the canary starts (seen in the --with-prometheus
 * demo: a second drift retrain finished seconds after the first one's canary promoted its
 * challenger, and its canary sent half of the traffic back to the replaced champion).
 */
describe('the canary of a retrain', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
    await createTestModel(server, 'ctr', { retrain: { onSuccess: 'canary', canary: { weight: 50 } } });
    for (const bias of [0, 0.1, 0.2]) {
      const registered = await server.request('POST', '/api/v1/models/ctr/versions', { body: { artifact: logisticRegressionOnnx({ weights: [0.01, 0.02], bias }).toString('base64') } });
      assert.equal(registered.status, 201, registered.text);
    }
  });
  after(() => server.close());

  async function run(): Promise<{ run: RetrainRun; logs: string[]; results: Array<Record<string, unknown>> }> {
    const logs: string[] = [];
    const results: Array<Record<string, unknown>> = [];
    const model = await server.ctx.models.get('ctr');
    const ctx = {
      job: { id: 'job-1', reason: 'alert ModelWatchDatasetDrift', actor: 'policy:default-retrain' },
      log: (line: string) => logs.push(line),
      setResult: async (patch: Record<string, unknown>) => void results.push(patch),
    } as unknown as JobContext;
    return { run: { ctx, model, settings: retrainSettingsOf(model.settings), input: { window: { from: 0, to: 1 }, label: 'click', params: {} } }, logs, results };
  }

  test('a champion replaced after the gate: no canary, the challenger waits, the reason says why', async () => {
    await promote(server, 'ctr', 'v2');
    const { run: r, logs, results } = await run();
    await startCanary(r, 'v3', 'v1', { experiments: server.ctx.experiments, registry: server.ctx.registry });
    assert.deepEqual(results, [{ canary: { started: false, reason: 'the champion changed from v1 to v2 while this retrain ran; v3 was validated against v1 only' } }]);
    assert.match(logs.join('\n'), /canary not started: the champion changed from v1 to v2/);
    assert.equal((await server.ctx.experiments.list({ model: 'ctr' })).length, 0, 'no experiment sends traffic to the replaced v1');
  });

  test('the champion the gate compared with still serves: the canary starts against it', async () => {
    const { run: r, results } = await run();
    await startCanary(r, 'v3', 'v2', { experiments: server.ctx.experiments, registry: server.ctx.registry });
    const canary = results[0]!.canary as { started: boolean; experimentId: string };
    assert.equal(canary.started, true, JSON.stringify(canary));
    const experiment = await server.ctx.experiments.get(canary.experimentId);
    assert.deepEqual(experiment.arms.map((a) => [a.name, a.version]), [['control', 'v2'], ['challenger', 'v3']]);
    await server.ctx.experiments.stop(canary.experimentId, { decision: 'none', reason: 'test done' }, systemActor, 'stop-1');
  });
});
