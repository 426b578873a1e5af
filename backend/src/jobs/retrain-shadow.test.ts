import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../auth/roles.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import type { JobContext } from './job-handler.ts';
import type { RetrainRun } from './retrain-run.ts';
import { retrainSettingsOf } from './retrain-settings.ts';
import { startShadowRelease } from './retrain-shadow.ts';

/**
 * settings.retrain.release "shadow-then-canary", on the real shadow, registry and experiment
 * services: the challenger shadows the champion first, and the release loop starts the canary
 * only when the shadow's gates pass.
 */
describe('the shadow release of a retrain', () => {
  let server: TestServer;
  const release = (duration: number | string) => ({ retrain: { onSuccess: 'canary', release: 'shadow-then-canary', canary: { weight: 50 }, shadow: { duration, minPairs: 20, minAgreement: 0.9, maxLatencyRatio: 100 } } });
  const rows = Array.from({ length: 30 }, (_, i) => ({ price: (i * 7) % 50, age: 20 + ((i * 13) % 40) }));
  before(async () => {
    server = await startTestServer('sqlite');
    for (const [name, duration] of [['ctr', 1], ['slow', '1h']] as const) {
      await createTestModel(server, name, release(duration));
      await registerLogistic(server, name, [0.02, -0.01], 0.1);
      await registerLogistic(server, name, [0.021, -0.01], 0.1); // v2: nearly the champion
      await registerLogistic(server, name, [0.02, -0.01], 4); // v3: says yes to everyone
      await promote(server, name, 'v1');
    }
  });
  after(() => server.close());

  async function run(model: string): Promise<{ run: RetrainRun; logs: string[]; results: Array<Record<string, unknown>> }> {
    const logs: string[] = [];
    const results: Array<Record<string, unknown>> = [];
    const m = await server.ctx.models.get(model);
    const ctx = {
      job: { id: `job-${model}`, reason: 'alert ModelWatchDatasetDrift', actor: 'policy:default-retrain' },
      log: (line: string) => logs.push(line),
      setResult: async (patch: Record<string, unknown>) => void results.push(patch),
    } as unknown as JobContext;
    return { run: { ctx, model: m, settings: retrainSettingsOf(m.settings), input: { window: { from: 0, to: 1 }, label: 'click', params: {} } }, logs, results };
  }

  async function traffic(model: string): Promise<void> {
    for (const features of rows) assert.equal((await server.request('POST', `/api/v1/models/${model}/predict`, { body: { features } })).status, 200);
    await server.ctx.serving.flushPredictionLog();
    await server.ctx.monitor.flush();
  }

  const ports = () => ({ shadows: server.ctx.shadows, registry: server.ctx.registry, clock: server.ctx.clock });

  test('the release setting is checked, naming the field', () => {
    assert.throws(() => retrainSettingsOf({ retrain: { release: 'yolo' } }), /settings\.retrain\.release/);
    assert.throws(() => retrainSettingsOf({ retrain: { shadow: { minAgreement: 2 } } }), /settings\.retrain\.shadow\.minAgreement/);
    assert.equal(retrainSettingsOf({}).release, 'canary', 'the default stays a canary at once');
  });

  test('gates pass: the shadow stops and the canary starts against the champion it was validated with', async () => {
    const { run: r, logs, results } = await run('ctr');
    await startShadowRelease(r, 'v2', 'v1', ports());
    assert.equal((results[0]!.shadow as { started: boolean }).started, true, JSON.stringify(results));
    assert.match(logs.join('\n'), /shadow started: v2 scores v1's requests/);
    assert.equal((await server.ctx.experiments.list({ model: 'ctr' })).length, 0, 'no canary before the shadow is judged');
    await traffic('ctr');
    const [decided] = await server.ctx.shadowReleases.tick();
    assert.equal(decided?.passed, true, JSON.stringify(decided));
    assert.equal(decided.canary?.started, true);
    const status = (await server.request('GET', '/api/v1/models/ctr/shadow')).body;
    assert.equal(status.shadow.status, 'stopped');
    assert.match(status.shadow.stopReason, /^release gates passed \(30 pairs, decision agreement 100\.0 %, .*\); canary .* started$/);
    assert.equal(status.shadow.outcome.passed, true);
    assert.equal(status.shadow.outcome.comparison.pairs, rows.length);
    const experiments = await server.ctx.experiments.list({ model: 'ctr' });
    assert.deepEqual(experiments[0]!.arms.map((a) => [a.name, a.version]), [['control', 'v1'], ['challenger', 'v2']]);
    await server.ctx.experiments.stop(experiments[0]!.id, { decision: 'none', reason: 'test done' }, systemActor, 'stop-ctr');
  });

  test('gates fail: no canary, the shadow stops with the reason recorded', async () => {
    const { run: r } = await run('ctr');
    await startShadowRelease(r, 'v3', 'v1', ports());
    await traffic('ctr');
    const [decided] = await server.ctx.shadowReleases.tick();
    assert.equal(decided?.passed, false);
    assert.match(decided.reasons.join('; '), /decision agreement \d+\.\d % < 90\.0 %/);
    const status = (await server.request('GET', '/api/v1/models/ctr/shadow')).body;
    assert.match(status.shadow.stopReason, /^release gates failed: decision agreement/);
    assert.equal((await server.ctx.experiments.list({ model: 'ctr', status: 'running' })).length, 0, 'no canary for a shadow that disagrees');
    const audit = (await server.request('GET', '/api/v1/audit?model=ctr&type=shadow.stop')).body.actions;
    assert.match(audit[0].reason, /release gates failed/);
  });

  test('not due yet: the shadow keeps scoring; a champion replaced meanwhile starts none', async () => {
    const { run: r } = await run('slow');
    await startShadowRelease(r, 'v2', 'v1', ports());
    assert.deepEqual(await server.ctx.shadowReleases.tick(), []);
    assert.equal((await server.request('GET', '/api/v1/models/slow/shadow')).body.shadow.status, 'running');
    await promote(server, 'slow', 'v3');
    const { run: late, results } = await run('slow');
    await startShadowRelease(late, 'v2', 'v1', ports());
    assert.match((results[0]!.shadow as { reason: string }).reason, /the champion changed from v1 to v3/);
  });
});
