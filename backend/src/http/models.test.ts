import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const features = [
  { name: 'price', type: 'numeric' },
  { name: 'category', type: 'categorical' },
];

for (const dialect of testDialects()) {
  describe(`models API on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
    });
    after(() => server.close());

    test('create, get, list, with an audit record', async () => {
      const createdResponse = await server.request('POST', '/api/v1/models', {
        body: { name: 'ctr', task: 'binary_classification', features, description: 'CTR model' },
      });
      assert.equal(createdResponse.status, 201);
      assert.equal(createdResponse.body.name, 'ctr');
      const got = await server.request('GET', '/api/v1/models/ctr');
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.features, features);
      const list = await server.request('GET', '/api/v1/models');
      assert.deepEqual(
        list.body.models.map((m: { name: string }) => m.name),
        ['ctr'],
      );
      const audit = await server.request('GET', '/api/v1/audit?model=ctr');
      assert.equal(audit.body.actions[0].type, 'model.created');
      assert.equal(audit.body.actions[0].actor, 'token:admin (MODELWATCH_ADMIN_TOKEN)');
    });

    test('the Grafana user forwarded by the proxy is named in the audit log (only for a token made for Grafana)', async () => {
      const grafana = await server.request('POST', '/api/v1/tokens', { body: { name: 'grafana-edit', role: 'editor', grafana: true } });
      assert.equal(grafana.body.info.grafana, true);
      const headers = { 'x-grafana-user': 'alice@example.com' };
      await server.request('POST', '/api/v1/models', { body: { name: 'byuser', features }, headers, token: grafana.body.token });
      const audit = await server.request('GET', '/api/v1/audit?model=byuser');
      assert.equal(audit.body.actions[0].actor, 'token:grafana-edit (grafana:alice@example.com)');
      // Any other token's caller could name anyone: the header is ignored.
      await server.request('POST', '/api/v1/models', { body: { name: 'byclaim', features }, headers });
      const claimed = await server.request('GET', '/api/v1/audit?model=byclaim');
      assert.equal(claimed.body.actions[0].actor, 'token:admin (MODELWATCH_ADMIN_TOKEN)');
    });

    test('a second model with the same name is a 409', async () => {
      await server.request('POST', '/api/v1/models', { body: { name: 'dup', features } });
      const again = await server.request('POST', '/api/v1/models', { body: { name: 'dup', features } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'conflict');
    });

    test('bad input names the field and what was expected', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'x', features: [{ name: 'a', type: 'numeric' }, { name: 'a', type: 'numeric' }] }, /body\.features\[1\]\.name: duplicate feature name "a"/],
        [{ name: 'x', features: [{ name: 'a', type: 'text' }] }, /body\.features\[0\]\.type: .*"numeric"\|"categorical"/],
        [{ name: 'x', features: [{ name: 'a', type: 'numeric' }, { name: 'constructor', type: 'numeric' }] }, /body\.features\[1\]\.name: "constructor" is a name every JavaScript object carries/],
        [{ name: 'x', features: [{ name: '__proto__', type: 'categorical' }] }, /body\.features\[0\]\.name: "__proto__" is a name/],
        [{ name: 'Bad Name', features }, /body\.name: must be lowercase/],
        [{ name: 'x', features: [] }, /body\.features: must declare at least one feature/],
        [{ name: 'x', features, task: 'regression' }, /body\.task/],
        [undefined, /body: /],
      ];
      for (const [body, message] of cases) {
        const response = await server.request('POST', '/api/v1/models', { body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.body.error.code, 'invalid_argument');
        assert.match(response.body.error.message, message);
      }
    });

    test('settings are replaced, validated and audited', async () => {
      await server.request('POST', '/api/v1/models', { body: { name: 'tuned', features } });
      const updated = await server.request('PUT', '/api/v1/models/tuned/settings', {
        body: { settings: { retrain: { window: '2d', onSuccess: 'canary' }, health: { ctr: { maxRelativeDrop: 0.2 } } } },
      });
      assert.equal(updated.status, 200, updated.text);
      assert.equal((updated.body.settings.retrain as { window: string }).window, '2d');
      const bad = await server.request('PUT', '/api/v1/models/tuned/settings', { body: { settings: { retrain: { onSuccess: 'sometimes' } } } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /settings\.retrain\.onSuccess/);
      const editor = await server.request('POST', '/api/v1/tokens', { body: { name: 'ed', role: 'editor' } });
      const hook = await server.request('PUT', '/api/v1/models/tuned/settings', {
        token: editor.body.token,
        body: { settings: { deployment: { url: 'http://169.254.169.254/', secret: 'x' } } },
      });
      assert.equal(hook.status, 403, 'an editor may not point the deployment hook anywhere');
      assert.match(hook.body.error.message, /settings\.deployment: only an admin/);
      const audit = await server.request('GET', '/api/v1/audit?model=tuned&type=model.settings_updated');
      assert.equal(audit.body.actions.length, 1, 'the refused change is not recorded');
    });

    test('unknown model is a 404 that says how to create one', async () => {
      const response = await server.request('GET', '/api/v1/models/ghost');
      assert.equal(response.status, 404);
      assert.match(response.body.error.message, /model "ghost" not found; create it with POST \/api\/v1\/models/);
    });
  });
}
