import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

describe('service endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('GET /healthz and /readyz need no token', async () => {
    const health = await server.request('GET', '/healthz', { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await server.request('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', store: 'sqlite' });
  });

  test('GET /metrics is Prometheus text with process and HTTP metrics', async () => {
    await server.request('GET', '/api/v1/models');
    const metrics = await server.request('GET', '/metrics', { token: null });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(metrics.text, /modelwatch_process_cpu_seconds_total/);
    assert.match(
      metrics.text,
      /modelwatch_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/models",status="200"\} 1/,
    );
    const promtool = spawnSync('promtool', ['--version']);
    if (promtool.status === 0) {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-metrics-')), 'metrics.txt');
      fs.writeFileSync(file, metrics.text);
      const check = spawnSync('sh', ['-c', `promtool check metrics < ${file}`], { encoding: 'utf8' });
      assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
    }
  });

  test('GET /api/v1/openapi.json is an OpenAPI 3.1 document of every route', async () => {
    const response = await server.request('GET', '/api/v1/openapi.json', { token: null });
    assert.equal(response.status, 200);
    const doc = response.body;
    assert.equal(doc.openapi, '3.1.0');
    const validation = await new Validator().validate(doc);
    assert.equal(validation.valid, true, String(JSON.stringify(validation.errors)).slice(0, 2000));
    assert.ok(doc.paths['/api/v1/models'].post.requestBody.content['application/json'].schema);
    assert.ok(doc.paths['/api/v1/models/{model}'].get.parameters.some((p: { name: string }) => p.name === 'model'));
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
    for (const [pathName, item] of Object.entries<Record<string, { responses: object }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${pathName} documents responses`);
      }
    }
  });

  test('unknown routes and malformed JSON are 4xx in the API error shape', async () => {
    const missing = await server.request('GET', '/api/v1/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const malformed = await server.request('POST', '/api/v1/models', {
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /body: not valid JSON/);
  });
});
