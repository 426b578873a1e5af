import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

for (const dialect of testDialects()) {
  describe(`retention in the service on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_RETENTION_RAW: '30d' });
    });
    after(() => server?.close());

    test('a model whose retrain window outlasts raw retention is a 400 naming the field', async () => {
      const features = [{ name: 'x', type: 'numeric' }];
      const refused = await server.request('POST', '/api/v1/models', { body: { name: 'long', features, settings: { retrain: { window: '60d' } } } });
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.body.error.message, /^settings\.retrain\.window: 60d is longer than raw records are kept \(MODELWATCH_RETENTION_RAW, 30d\)/);
      const fine = await server.request('POST', '/api/v1/models', { body: { name: 'short', features, settings: { retrain: { window: '30d' } } } });
      assert.equal(fine.status, 201, fine.text);
    });

    test('the pass at start fills the store gauges of /metrics', async () => {
      let text = '';
      for (let i = 0; i < 50 && !/modelwatch_store_rows\{table="predictions"\}/.test(text); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        text = (await server.request('GET', '/metrics')).text;
      }
      assert.match(text, /modelwatch_store_rows\{table="predictions"\} 0\b/);
      assert.match(text, /modelwatch_store_rows\{table="rollups"\} 0\b/);
      assert.match(text, /modelwatch_store_size_bytes [1-9]\d*/);
      assert.match(text, /modelwatch_retention_last_run_timestamp_seconds [1-9]/);
    });
  });
}
