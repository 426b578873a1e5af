import assert from 'node:assert/strict';
import fs from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { createObjectStorage } from '../compose/object-storage.ts';
import { testDialects } from '../testing/databases.ts';
import { int64InputOnnx, logisticRegressionOnnx, perFeatureOnnx } from '../testing/onnx-fixtures.ts';
import { createTestModel, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { artifactKey } from './artifact-store.ts';

for (const dialect of testDialects()) {
  describe(`registry API on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
      await createTestModel(server, 'ctr');
    });
    after(() => server.close());

    test('register (JSON, base64): auto-numbered, stored by checksum, loaded and warmed', async () => {
      const bytes = logisticRegressionOnnx({ weights: [0.5, -0.2] });
      const response = await server.request('POST', '/api/v1/models/ctr/versions', {
        body: {
          artifact: bytes.toString('base64'),
          metrics: { auc: 0.81 },
          lineage: { parentVersion: undefined, jobId: 'job-1', dataWindow: { from: '2026-01-01T00:00:00Z', to: 1767312000000 } },
          description: 'first',
        },
      });
      assert.equal(response.status, 201, response.text);
      const v = response.body;
      assert.equal(v.version, 'v1');
      assert.deepEqual(v.inputSchema, { kind: 'tensor', input: 'features', features: [{ name: 'price', type: 'numeric' }, { name: 'age', type: 'numeric' }], output: 'probability', outputMode: 'column' });
      assert.deepEqual(v.metrics, { auc: 0.81 });
      assert.deepEqual(v.lineage, { jobId: 'job-1', dataWindow: { from: 1767225600000, to: 1767312000000 } });
      assert.equal(v.serving.status, 'loaded');
      assert.equal(v.validation.status, 'none');
      assert.equal(v.artifact.sizeBytes, bytes.length);
      // Stored in the artifact storage: the data folder on SQLite, rows on PostgreSQL.
      const storage = createObjectStorage(server.ctx.config.storage, server.ctx.store, server.dataDir);
      assert.deepEqual(await buffer(await storage.read(artifactKey(v.artifact.sha256))), bytes);
      if (dialect === 'sqlite') assert.deepEqual(fs.readFileSync(`${server.dataDir}/artifacts/${v.artifact.sha256.slice(0, 2)}/${v.artifact.sha256}.onnx`), bytes);
      const download = await fetch(`${server.url}/api/v1/models/ctr/versions/v1/artifact`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
      const second = await registerLogistic(server, 'ctr', [1, 1], 0, { lineage: { parentVersion: 'v1' } });
      assert.equal(second, 'v2');
    });

    test('register (multipart): file in "artifact", the rest in "meta"; reference rows become a profile', async () => {
      const form = new FormData();
      form.append('artifact', new Blob([new Uint8Array(logisticRegressionOnnx({ weights: [1, 2] }))]), 'model.onnx');
      form.append('meta', JSON.stringify({ version: 'mp-1', reference: { rows: [{ price: 1, age: 30, category: 'a' }, { price: 2, age: 40, category: 'b' }, { price: 3, age: 50, category: 'a' }] } }));
      const response = await fetch(`${server.url}/api/v1/models/ctr/versions`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.adminToken}` } });
      const body = (await response.json()) as Record<string, any>;
      assert.equal(response.status, 201, JSON.stringify(body));
      assert.equal(body.version, 'mp-1');
      assert.equal(body.hasReferenceProfile, true);
      const profile = await server.ctx.profiles.get('ctr', 'mp-1');
      assert.equal(profile?.rows, 3);
      assert.deepEqual(profile?.features.map((f) => f.name), ['price', 'age', 'category']);

      const badMeta = new FormData();
      badMeta.append('artifact', new Blob([new Uint8Array(logisticRegressionOnnx({ weights: [1, 2] }))]));
      badMeta.append('meta', '{nope');
      const refused = await fetch(`${server.url}/api/v1/models/ctr/versions`, { method: 'POST', body: badMeta, headers: { authorization: `Bearer ${server.adminToken}` } });
      assert.equal(refused.status, 400);
      assert.match(((await refused.json()) as any).error.message, /meta: not valid JSON/);
    });

    test('a reference profile is saved as given', async () => {
      const profile = {
        format: 1,
        source: 'trainer',
        rows: 2,
        createdAt: '2026-01-01T00:00:00.000Z',
        features: [{ name: 'price', type: 'numeric', edges: [0, 1], counts: [0, 2, 0, 0], total: 2, mean: 0.5, std: 0.5, min: 0, max: 1, sample: [0, 1] }],
      };
      await registerLogistic(server, 'ctr', [1, 0], 0, { version: 'with-profile', reference: { profile } });
      assert.deepEqual((await server.ctx.profiles.get('ctr', 'with-profile'))?.features[0]?.name, 'price');
      const wrong = await server.request('POST', '/api/v1/models/ctr/versions', {
        body: { artifact: logisticRegressionOnnx({ weights: [1, 0] }).toString('base64'), reference: { profile: { ...profile, features: [{ ...profile.features[0], name: 'colour' }] } } },
      });
      assert.equal(wrong.status, 400);
      assert.match(wrong.body.error.message, /"colour" is not a declared feature/);
    });

    test('duplicate versions are a 409; versions are immutable', async () => {
      await registerLogistic(server, 'ctr', [1, 1], 0, { version: 'fixed' });
      const again = await server.request('POST', '/api/v1/models/ctr/versions', { body: { version: 'fixed', artifact: logisticRegressionOnnx({ weights: [1, 1] }).toString('base64') } });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, /already exists/);
    });

    test('artifacts onnxruntime cannot load, or that do not fit the model, are a 400 saying what was found', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{}, /artifact: missing/],
        [{ artifact: '!!!' }, /not valid base64/],
        [{ artifact: Buffer.from('not an onnx file').toString('base64') }, /onnxruntime cannot load it/],
        [{ artifact: logisticRegressionOnnx({ weights: [1, 2, 3] }).toString('base64') }, /takes 3 columns, but the model declares 2 numeric features/],
        [{ artifact: int64InputOnnx().toString('base64') }, /found inputs "features" int64 \[batch, 1\]/],
        [{ artifact: perFeatureOnnx([{ name: 'price', type: 'numeric' }, { name: 'colour', type: 'numeric' }]).toString('base64') }, /inputs "colour" are not declared features/],
        [{ artifact: logisticRegressionOnnx({ weights: [1, 2] }).toString('base64'), lineage: { parentVersion: 'v99' } }, /lineage\.parentVersion: version "v99"/],
        [{ artifact: logisticRegressionOnnx({ weights: [1, 2] }).toString('base64'), reference: { rows: [] } }, /reference/],
      ];
      for (const [body, message] of cases) {
        const response = await server.request('POST', '/api/v1/models/ctr/versions', { body });
        assert.equal(response.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${response.text}`);
        assert.match(response.body.error.message, message);
      }
      const unknown = await server.request('POST', '/api/v1/models/ghost/versions', { body: { artifact: logisticRegressionOnnx({ weights: [1, 2] }).toString('base64') } });
      assert.equal(unknown.status, 404);
    });

    test('list, get, 404s; aliases with history; challenger set and cleared', async () => {
      const list = await server.request('GET', '/api/v1/models/ctr/versions');
      assert.equal(list.status, 200);
      assert.ok(list.body.versions.length >= 3);
      assert.equal((await server.request('GET', '/api/v1/models/ctr/versions/v1')).body.version, 'v1');
      assert.equal((await server.request('GET', '/api/v1/models/ctr/versions/nope')).status, 404);
      assert.equal((await server.request('GET', '/api/v1/models/ghost/versions')).status, 404);

      const set = await server.request('PUT', '/api/v1/models/ctr/aliases/challenger', { body: { version: 'v2', reason: 'try it' } });
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.challenger, 'v2');
      assert.deepEqual((await server.request('GET', '/api/v1/models/ctr/versions/v2')).body.aliases, ['challenger']);
      const cleared = await server.request('PUT', '/api/v1/models/ctr/aliases/challenger', { body: { version: null, reason: 'no' } });
      assert.equal(cleared.body.challenger, null);
      const aliases = await server.request('GET', '/api/v1/models/ctr/aliases');
      assert.deepEqual(
        aliases.body.history.map((h: any) => [h.alias, h.version, h.previousVersion, h.type]),
        [
          ['challenger', null, 'v2', 'clear'],
          ['challenger', 'v2', null, 'set'],
        ],
      );
      assert.equal((await server.request('PUT', '/api/v1/models/ctr/aliases/challenger', { body: { version: 'nope', reason: 'x' } })).status, 404);
    });

    test('registering with alias "challenger", and the validation gate', async () => {
      const version = await registerLogistic(server, 'ctr', [2, 2], 0, { alias: 'challenger', validation: 'pending' });
      assert.equal((await server.request('GET', '/api/v1/models/ctr/aliases')).body.challenger, version);
      assert.equal((await server.request('GET', `/api/v1/models/ctr/versions/${version}`)).body.validation.status, 'pending');
      const promoted = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { reason: 'gate pending' } });
      assert.equal(promoted.status, 422);
      assert.match(promoted.body.error.message, /still being validated/);
      const failed = await server.request('PUT', `/api/v1/models/ctr/versions/${version}/validation`, { body: { status: 'failed', details: { auc: 0.4 } } });
      assert.equal(failed.status, 200);
      assert.deepEqual([failed.body.validation.status, failed.body.validation.details, failed.body.serving.status], ['failed', { auc: 0.4 }, 'not_loaded']);
      const refused = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version, reason: 'try anyway' } });
      assert.equal(refused.status, 422);
      assert.match(refused.body.error.message, /failed validation and never serves/);
    });
  });
}
