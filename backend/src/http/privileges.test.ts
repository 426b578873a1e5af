import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { alertmanagerPayload, grafanaPayload } from '../alerts/testdata/payloads.ts';
import { grafanaSignature } from '../alerts/webhook-auth.ts';
import { startServer } from '../compose/server.ts';
import { createLogger } from '../core/logger.ts';
import { testDialects } from '../testing/databases.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { RecordingPerformer } from '../testing/recording-performer.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { makeTestConfig, requestJson, startTestServer, type TestServer } from '../testing/test-server.ts';

/**
 * Issue 15's escalation paths, each through the real HTTP surface: what worked before now
 * fails with 401/403 or waits for approval, and the legitimate use still works. The Grafana
 * proxy routes (path 1) are walked in grafana-proxy.test.ts; the route × role matrix in
 * auth-matrix.test.ts.
 */

const SECRET = 'privileges-webhook-secret';
const AM = '/api/v1/webhooks/alertmanager';

const rollbackAlert = (model: string, fingerprint: string) => ({
  labels: { alertname: 'ModelWatchErrorRateHigh', model, modelwatch_action: 'rollback' },
  fingerprint,
});

async function token(server: TestServer, role: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await server.request('POST', '/api/v1/tokens', { body: { name: `p-${role}-${Math.random()}`, role, ...extra } });
  assert.equal(created.status, 201, created.text);
  return created.body.token;
}

const champion = async (server: TestServer, model: string) => (await server.request('GET', `/api/v1/models/${model}/aliases`)).body.champion;

for (const dialect of testDialects()) {
  describe(`privileges end to end on ${dialect}`, () => {
    let server: TestServer;
    let viewer: string;
    let editor: string;
    let webhook: string;
    let v1: string;
    let v2: string;

    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_WEBHOOK_SECRET: SECRET });
      viewer = await token(server, 'viewer');
      editor = await token(server, 'editor');
      webhook = await token(server, 'webhook');
      await createTestModel(server, 'rec');
      v1 = await registerLogistic(server, 'rec', [0.1, 0.2]);
      v2 = await registerLogistic(server, 'rec', [0.3, 0.1]);
      await promote(server, 'rec', v1);
      await promote(server, 'rec', v2);
      // The default policy, without its cooldown, so each step here can roll back again.
      const policies = { policies: [{ name: 'rollback', match: { modelwatch_action: 'rollback', model: '*' }, action: 'rollback', cooldown: 0 }] };
      assert.equal((await server.request('PUT', '/api/v1/policies', { body: policies })).status, 200);
    });
    after(() => server.close());

    test('2: an editor token on the webhook does not roll back (approval required); the webhook credential does', async () => {
      const byEditor = await server.request('POST', AM, { body: alertmanagerPayload([rollbackAlert('rec', 'fp-editor')]), token: editor });
      assert.equal(byEditor.status, 200, byEditor.text);
      assert.equal(byEditor.body.results[0].outcome, 'pending');
      assert.match(byEditor.body.results[0].reason, /approval required: a editor credential may not change the champion/);
      assert.equal(await champion(server, 'rec'), v2, 'champion unchanged');
      // The same editor token on the action route: 403, as before.
      assert.equal((await server.request('POST', '/api/v1/models/rec/actions/rollback', { body: { reason: 'x' }, token: editor })).status, 403);

      const byWebhook = await server.request('POST', AM, { body: alertmanagerPayload([rollbackAlert('rec', 'fp-webhook')]), token: webhook });
      assert.equal(byWebhook.body.results[0].outcome, 'acted', byWebhook.text);
      assert.equal(await champion(server, 'rec'), v1, 'the dedicated webhook credential rolled back');
      await promote(server, 'rec', v2);
      // The pending one is an admin's to approve.
      const pending = (await server.request('GET', '/api/v1/policies/pending')).body.pending;
      assert.equal(pending.length, 1);
      assert.equal((await server.request('POST', `/api/v1/policies/pending/${pending[0].id}/approve`, { token: editor, body: {} })).status, 403);
      assert.equal((await server.request('POST', `/api/v1/policies/pending/${pending[0].id}/reject`, { body: {} })).status, 200);
    });

    test('2: a viewer or webhook token cannot call the routes; a viewer token cannot send alerts', async () => {
      assert.equal((await server.request('POST', AM, { body: alertmanagerPayload([rollbackAlert('rec', 'fp-viewer')]), token: viewer })).status, 403);
      for (const [method, url] of [
        ['GET', '/api/v1/models'],
        ['POST', '/api/v1/models/rec/actions/rollback'],
        ['GET', '/api/v1/tokens'],
      ] as const) {
        const response = await server.request(method, url, { token: webhook, body: method === 'GET' ? undefined : { reason: 'x' } });
        assert.equal(response.status, 403, `${method} ${url} with a webhook token`);
      }
    });

    test('3: an editor cannot promote by the back door; an editor experiment against the champion still works', async () => {
      const artifact = logisticRegressionOnnx({ weights: [0.5, 0.5], bias: 0 }).toString('base64');
      const passed = await server.request('POST', '/api/v1/models/rec/versions', { token: editor, body: { artifact, validation: 'passed' } });
      assert.equal(passed.status, 403, passed.text);
      assert.match(passed.body.error.message, /validation: only an admin may declare a version "passed"/);
      const editorVersion = await registerLogistic(server, 'rec', [0.5, 0.5], 0, {});
      const declared = await server.request('PUT', `/api/v1/models/rec/versions/${editorVersion}/validation`, { token: editor, body: { status: 'passed' } });
      assert.equal(declared.status, 403, declared.text);
      assert.match(declared.body.error.message, /only an admin may declare a version "passed"/);
      // Marking failed (the safe direction) stays an editor's.
      const failed = await registerLogistic(server, 'rec', [0.6, 0.5]);
      assert.equal((await server.request('PUT', `/api/v1/models/rec/versions/${failed}/validation`, { token: editor, body: { status: 'failed' } })).status, 200);

      const arms = (control: string, treatment: string, weights: [number, number]) => [
        { name: 'control', version: control, weight: weights[0] },
        { name: 'treatment', version: treatment, weight: weights[1] },
      ];
      const start = (body: Record<string, unknown>, as = editor) => server.request('POST', '/api/v1/experiments', { token: as, body: { model: 'rec', primaryMetric: 'ctr', ...body } });
      const withoutChampion = await start({ arms: arms(v1, editorVersion, [0.5, 0.5]) });
      assert.equal(withoutChampion.status, 403, withoutChampion.text);
      assert.match(withoutChampion.body.error.message, /control must be the champion/);
      const mostlyTreatment = await start({ arms: arms(v2, editorVersion, [0.2, 0.8]) });
      assert.equal(mostlyTreatment.status, 403);
      assert.match(mostlyTreatment.body.error.message, /80 % of the traffic would go to versions other than the champion/);
      const auto = await start({ arms: arms(v2, editorVersion, [0.5, 0.5]), autoDecide: true });
      assert.equal(auto.status, 403);
      assert.match(auto.body.error.message, /autoDecide/);

      const fair = await start({ arms: arms(v2, editorVersion, [0.5, 0.5]) });
      assert.equal(fair.status, 201, fair.text);
      const id = fair.body.experiment.id;
      const ramp = await server.request('PATCH', `/api/v1/experiments/${id}`, { token: editor, body: { weights: [0, 1] } });
      assert.equal(ramp.status, 403, ramp.text);
      assert.equal((await server.request('PATCH', `/api/v1/experiments/${id}`, { token: editor, body: { weights: [0.7, 0.3] } })).status, 200);
      // An admin may ramp all the way.
      assert.equal((await server.request('PATCH', `/api/v1/experiments/${id}`, { body: { weights: [0, 1] } })).status, 200);
      assert.equal((await server.request('POST', `/api/v1/experiments/${id}/stop`, { token: editor, body: { decision: 'none', reason: 'done' } })).status, 200);

      const settings = (retrain: Record<string, unknown>) => ({ settings: { retrain } });
      const autoCanary = await server.request('PUT', '/api/v1/models/rec/settings', { token: editor, body: settings({ onSuccess: 'canary', canary: { autoDecide: true } }) });
      assert.equal(autoCanary.status, 403);
      assert.match(autoCanary.body.error.message, /settings\.retrain\.canary\.autoDecide: only an admin/);
      const bigCanary = await server.request('PUT', '/api/v1/models/rec/settings', { token: editor, body: settings({ onSuccess: 'canary', canary: { weight: 90 } }) });
      assert.equal(bigCanary.status, 403);
      const canary = await server.request('PUT', '/api/v1/models/rec/settings', { token: editor, body: settings({ onSuccess: 'canary', canary: { weight: 10 } }) });
      assert.equal(canary.status, 200, canary.text);
    });

    test('4 and 8: deployment secret and trainer command are write-only; only an admin sets them', async () => {
      const hook = { url: 'http://127.0.0.1:9/hook', secret: 'deploy-secret-do-not-show' };
      const command = ['python3', 'train.py', '--key', 'trainer-secret-do-not-show'];
      const byEditor = await server.request('PUT', '/api/v1/models/rec/settings', { token: editor, body: { settings: { retrain: { command } } } });
      assert.equal(byEditor.status, 403);
      assert.match(byEditor.body.error.message, /settings\.retrain\.command: only an admin/);
      const stored = await server.request('PUT', '/api/v1/models/rec/settings', { body: { settings: { deployment: hook, retrain: { command } } } });
      assert.equal(stored.status, 200, stored.text);
      for (const [url, as] of [
        ['/api/v1/models', viewer],
        ['/api/v1/models/rec', viewer],
        ['/api/v1/audit?model=rec&limit=500', viewer],
        ['/api/v1/models/rec', undefined],
      ] as const) {
        const response = await server.request('GET', url, { token: as });
        assert.equal(response.status, 200);
        assert.doesNotMatch(response.text, /do-not-show/, `${url} shows a secret`);
        assert.match(response.text, /redacted:sha256:[0-9a-f]{12}/, `${url} shows the fingerprint`);
      }
      assert.equal(stored.body.settings.deployment.url, hook.url, 'the URL is not secret');

      // Sent back as shown (GET, edit, PUT), the secrets stay what they were, also for an editor.
      const shown = (await server.request('GET', '/api/v1/models/rec', { token: editor })).body.settings;
      const edited = await server.request('PUT', '/api/v1/models/rec/settings', { token: editor, body: { settings: { ...shown, drift: { window: '1d' } } } });
      assert.equal(edited.status, 200, edited.text);
      const inside = await server.ctx.models.get('rec');
      assert.deepEqual(inside.settings.deployment, hook);
      assert.deepEqual((inside.settings.retrain as { command: unknown }).command, command);
      // An entry written before redaction existed is redacted on the way out.
      await server.ctx.audit.record({ type: 'model.settings_updated', model: 'rec', actor: 'system', details: { settings: { deployment: hook } } });
      const history = await server.request('GET', '/api/v1/audit?model=rec&type=model.settings_updated', { token: viewer });
      assert.doesNotMatch(history.text, /do-not-show/);
      await server.request('PUT', '/api/v1/models/rec/settings', { body: { settings: {} } });
    });

    test('6: an ingest token scoped to a model writes only there', async () => {
      await createTestModel(server, 'other');
      const scoped = await token(server, 'ingest', { models: ['rec'] });
      const record = { id: 'p1', ts: Date.now() - 60_000, version: v2, features: { price: 1, age: 2, category: 'a' }, score: 0.5 };
      const elsewhere = await server.request('POST', '/api/v1/models/other/predictions', { token: scoped, body: { records: [record] } });
      assert.equal(elsewhere.status, 403, elsewhere.text);
      assert.match(elsewhere.body.error.message, /may write only to the models "rec"/);
      const own = await server.request('POST', '/api/v1/models/rec/predictions', { token: scoped, body: { records: [record] } });
      assert.equal(own.status, 200, own.text);
      const refused = await server.request('POST', '/api/v1/tokens', { body: { name: 'x', role: 'editor', models: ['rec'] } });
      assert.equal(refused.status, 400);
      const listed = (await server.request('GET', '/api/v1/tokens')).body.tokens.find((t: { models: string[] | null }) => t.models);
      assert.deepEqual(listed.models, ['rec']);
    });

    test('7: the raw body is captured on every path spelling; a signature over an empty body fails', async () => {
      const payload = grafanaPayload([rollbackAlert('rec', 'fp-upper')]);
      const raw = JSON.stringify(payload);
      const ts = String(Math.floor(Date.now() / 1000));
      const overEmpty = await server.request('POST', '/API/V1/WEBHOOKS/GRAFANA', {
        rawBody: raw,
        token: null,
        headers: { 'content-type': 'application/json', 'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, ''), 'x-grafana-alerting-signature-timestamp': ts },
      });
      assert.equal(overEmpty.status, 401, overEmpty.text);
      assert.equal(await champion(server, 'rec'), v2);
      const genuine = await server.request('POST', '/API/V1/WEBHOOKS/GRAFANA', {
        rawBody: raw,
        token: null,
        headers: { 'content-type': 'application/json', 'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, raw), 'x-grafana-alerting-signature-timestamp': ts },
      });
      assert.equal(genuine.status, 200, genuine.text);
      assert.equal(genuine.body.results[0].outcome, 'acted', 'the HMAC secret is the dedicated webhook credential');
      assert.equal(await champion(server, 'rec'), v1);
      await promote(server, 'rec', v2);
    });

    test('10: /metrics with MODELWATCH_METRICS_TOKEN: wrong or missing token 401, right one 200', async () => {
      const own = await startTestServer(dialect, { MODELWATCH_METRICS_TOKEN: 'metrics-token-0123456789' });
      try {
        assert.equal((await own.request('GET', '/metrics', { token: null })).status, 401);
        assert.equal((await own.request('GET', '/metrics', { token: 'metrics-token-012345678' })).status, 401);
        assert.equal((await own.request('GET', '/metrics', { token: 'metrics-token-0123456789' })).status, 200);
      } finally {
        await own.close();
      }
    });
  });

  describe(`automation rate limits on ${dialect}`, () => {
    let server: TestServer;
    const performer = new RecordingPerformer();
    before(async () => {
      server = await startTestServer(dialect, {}, { alertPerformer: performer });
    });
    after(() => server.close());

    test('6: one credential cannot use up the hour for another; each model has its own budget', async () => {
      await server.request('PUT', '/api/v1/policies', {
        body: { maxActionsPerHour: 2, maxActionsPerModelPerHour: 1, policies: [{ name: 'rb', match: { modelwatch_action: 'rollback' }, action: 'rollback', cooldown: 0 }] },
      });
      const noisy = await token(server, 'webhook');
      const genuine = await token(server, 'webhook');
      const flood = await server.request('POST', AM, {
        token: noisy,
        body: alertmanagerPayload(['m1', 'm2', 'm3'].map((m) => rollbackAlert(m, `fp-flood-${m}`))),
      });
      assert.deepEqual(
        flood.body.results.map((r: { outcome: string }) => r.outcome),
        ['acted', 'acted', 'rate_limited'],
      );
      assert.match(flood.body.results[2].reason, /for the credential that sent this alert/);
      const real = await server.request('POST', AM, { token: genuine, body: alertmanagerPayload([rollbackAlert('m4', 'fp-genuine')]) });
      assert.equal(real.body.results[0].outcome, 'acted', 'another credential still rolls back');
      const sameModel = await server.request('POST', AM, { token: genuine, body: alertmanagerPayload([rollbackAlert('m1', 'fp-again')]) });
      assert.equal(sameModel.body.results[0].outcome, 'rate_limited');
      assert.match(sameModel.body.results[0].reason, /limit per model is 1/);
      assert.equal(performer.calls.length, 3);
      assert.deepEqual(
        performer.calls.map((c) => c.actor.role),
        ['admin', 'admin', 'admin'],
        "the webhook credential's rollbacks act with the right they were allowed",
      );
    });
  });

  describe(`credentials at start on ${dialect}`, () => {
    test('5: a changed MODELWATCH_ADMIN_TOKEN revokes the previous one; placeholders are refused', async () => {
      const T1 = 'mw_rotation_first_token_0123456789';
      const T2 = 'mw_rotation_second_token_0123456789';
      const first = await makeTestConfig(dialect, { MODELWATCH_ADMIN_TOKEN: T1 });
      const same = { MODELWATCH_DATA_DIR: first.dataDir, ...(first.databaseUrl ? { MODELWATCH_DATABASE_URL: first.databaseUrl } : {}) };
      const logger = createLogger('silent');
      try {
        const one = await startServer(first, logger);
        assert.equal((await requestJson(one.url, 'GET', '/api/v1/tokens', {}, T1)).status, 200);
        await one.close();
        const two = await startServer(await makeTestConfig(dialect, { ...same, MODELWATCH_ADMIN_TOKEN: T2 }), logger);
        try {
          const old = await requestJson(two.url, 'POST', '/api/v1/tokens', { body: { name: 'x', role: 'admin' } }, T1);
          assert.equal(old.status, 401, 'the old MODELWATCH_ADMIN_TOKEN is revoked');
          assert.equal((await requestJson(two.url, 'GET', '/api/v1/tokens', {}, T2)).status, 200);
        } finally {
          await two.close();
        }
        await assert.rejects(
          startServer(await makeTestConfig(dialect, { ...same, MODELWATCH_ADMIN_TOKEN: 'change-me-modelwatch-admin-token' }), logger),
          /MODELWATCH_ADMIN_TOKEN is a placeholder value/,
        );
        await assert.rejects(
          startServer(await makeTestConfig(dialect, { ...same, MODELWATCH_WEBHOOK_SECRET: 'change-me-webhook-secret' }), logger),
          /MODELWATCH_WEBHOOK_SECRET is a placeholder value/,
        );
      } finally {
        fs.rmSync(first.dataDir, { recursive: true, force: true });
      }
    });
  });
}
