import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { MAX_JSON_DEPTH, SMALL_BODY_BYTES } from './read-body.ts';
import { MAX_DRIFT_FEATURES, MAX_DRIFT_VALUES } from './routes/stats-drift.ts';
import { MAX_SERIES_VERSIONS } from '../monitor/query-series.ts';

/**
 * Sends headers announcing `announced` bytes and only the first MiB of them, then waits for
 * the answer: a server that reads (or parses) the body first never answers (issue 16: an
 * unauthenticated 66 MB body to /healthz was parsed before anything else).
 */
function answerBeforeBody(url: string, method: string, path: string, announced: number, token?: string, contentType = 'application/json'): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': announced };
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request(new URL(path, url), { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    req.write(Buffer.alloc(1024 * 1024, 0x20));
    setTimeout(() => reject(new Error('no answer before the body was sent: the body was read first')), 3000).unref();
  });
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('auth and limits before parsing', () => {
  let server: TestServer;
  before(async () => {
    // Ingest keeps at most MODELWATCH_MAX_UNREGISTERED_KEYS unregistered versions per model
    // (monitor/cardinality.ts); raised here so the KPI query's own bound is reached.
    server = await startTestServer('sqlite', { MODELWATCH_MAX_UNREGISTERED_KEYS: '1000' });
    const created = await server.request('POST', '/api/v1/models', { body: { name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } });
    assert.equal(created.status, 201, created.text);
  });
  after(() => server.close());

  test('an unauthenticated 66 MB body is answered without being read', async () => {
    assert.equal(await answerBeforeBody(server.url, 'POST', '/api/v1/models', 66 * 1024 * 1024), 401);
    assert.equal(await answerBeforeBody(server.url, 'POST', '/api/v1/models/m/predictions', 66 * 1024 * 1024), 401);
    assert.equal(await answerBeforeBody(server.url, 'POST', '/healthz', 66 * 1024 * 1024), 404);
    assert.equal(await answerBeforeBody(server.url, 'GET', '/healthz', 66 * 1024 * 1024), 200);
    // Multipart uploads were buffered by multer before the token was looked at.
    assert.equal(await answerBeforeBody(server.url, 'POST', '/api/v1/models/m/versions', 60 * 1024 * 1024, undefined, 'multipart/form-data; boundary=x'), 401);
  });

  test('an authenticated body over a small route limit is a 413 naming the limit; ingest takes large ones', async () => {
    assert.equal(await answerBeforeBody(server.url, 'POST', '/api/v1/models', 66 * 1024 * 1024, server.adminToken), 413);
    const big = { name: 'big', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }], description: 'x'.repeat(SMALL_BODY_BYTES) };
    const refused = await server.request('POST', '/api/v1/models', { body: big });
    assert.equal(refused.status, 413, refused.text);
    assert.match(refused.body.error.message, new RegExp(`limit of ${SMALL_BODY_BYTES} bytes`));
    const records = Array.from({ length: 10_000 }, (_, i) => ({ id: `p${i}`, ts: Date.now() - 60_000, version: 'v1', features: { x: i }, score: 0.5, padding: 'y'.repeat(100) }));
    const ingested = await server.request('POST', '/api/v1/models/m/predictions', { body: { records } });
    assert.equal(ingested.status, 200, ingested.text.slice(0, 300));
  });

  test('JSON nested 20,000 deep anywhere is a 400, as JSON and as NDJSON', async () => {
    const deep = nested(20_000);
    const bodies: [string, string, string][] = [
      ['POST', '/api/v1/models', `{"name":"d","task":"binary_classification","features":[],"settings":${deep}}`],
      ['PUT', '/api/v1/models/m/settings', `{"settings":{"a":${deep}}}`],
      ['POST', '/api/v1/models/m/predictions', `{"records":[{"id":"a","ts":${Date.now()},"version":"v1","features":{"x":1,"deep":${deep}}}]}`],
      ['PUT', '/api/v1/models/m/versions/v1/validation', `{"status":"passed","details":${deep}}`],
      ['POST', '/api/v1/models/m/versions', `{"artifact":"AAAA","metrics":{"auc":${deep}}}`],
      ['POST', '/api/v1/models/m/actions/retrain', `{"params":{"a":${deep}}}`],
    ];
    for (const [method, path, body] of bodies) {
      const reply = await server.request(method, path, { rawBody: body, headers: { 'content-type': 'application/json' } });
      assert.equal(reply.status, 400, `${method} ${path}: ${reply.text}`);
      assert.match(reply.body.error.message, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    }
    const ndjson = `{"id":"a","ts":${Date.now()},"version":"v1","features":{"x":${deep}}}\n`;
    const reply = await server.request('POST', '/api/v1/models/m/predictions', { rawBody: ndjson, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(reply.status, 400, reply.text);
    // Brackets inside strings do not count.
    const inString = await server.request('PUT', '/api/v1/models/m/settings', { body: { settings: { note: '['.repeat(1000) } } });
    assert.notEqual(inString.status, 500, inString.text);
    assert.doesNotMatch(inString.text, /nested deeper/);
  });

  test('stateless drift over its budget is a 413 naming the budget; within it, an answer', async () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_DRIFT_FEATURES + 1 }, (_, i) => [`f${i}`, [0]]));
    const tooWide = await server.request('POST', '/api/v1/stats/drift', { body: { reference: wide, current: wide } });
    assert.equal(tooWide.status, 413, tooWide.text);
    assert.match(tooWide.body.error.message, new RegExp(`more than the ${MAX_DRIFT_FEATURES}`));
    const long = new Array(MAX_DRIFT_VALUES / 2 + 1).fill(0);
    const tooLong = await server.request('POST', '/api/v1/stats/drift', { body: { reference: { x: long }, current: { x: long } } });
    assert.equal(tooLong.status, 413, tooLong.text);
    assert.match(tooLong.body.error.message, new RegExp(`${MAX_DRIFT_VALUES + 2} values in all, more than the ${MAX_DRIFT_VALUES}`));
    const fits = await server.request('POST', '/api/v1/stats/drift', { body: { reference: { x: [1, 2, 3, 4] }, current: { x: [2, 3, 4, 5] } } });
    assert.equal(fits.status, 200, fits.text);
  });

  test('KPIs by version over more versions than a query returns are a 400 naming the limit; by arm they answer', async () => {
    await server.request('POST', '/api/v1/models', { body: { name: 'many', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } });
    const now = Date.now();
    const records = Array.from({ length: MAX_SERIES_VERSIONS + 1 }, (_, i) => ({ id: `r${i}`, ts: now - 60_000, version: `v${i}`, features: { x: 1 } }));
    assert.equal((await server.request('POST', '/api/v1/models/many/predictions', { body: { records } })).status, 200);
    const range = `from=${now - 3_600_000}&to=${now + 60_000}`;
    const byVersion = await server.request('GET', `/api/v1/models/many/kpis?${range}&by=version`);
    assert.equal(byVersion.status, 400, byVersion.text);
    assert.match(byVersion.body.error.message, new RegExp(`${MAX_SERIES_VERSIONS + 1} versions .* more than the ${MAX_SERIES_VERSIONS}`));
    assert.equal((await server.request('GET', `/api/v1/models/many/kpis?${range}&by=arm`)).status, 200);
    assert.equal((await server.request('GET', `/api/v1/models/many/kpis?${range}&version=v1,v2`)).status, 200);
  });

  test('times past year 9999 are a 400 naming the field; the widest ranges answer promptly', async () => {
    for (const path of ['/api/v1/models/m/kpis?from=0&to=9e15', '/api/v1/models/m/kpis?from=0&to=9000000000000000', '/api/v1/models/m/drift?from=8640000000000001']) {
      const reply = await server.request('GET', path);
      assert.equal(reply.status, 400, `${path}: ${reply.text}`);
      assert.match(reply.body.error.message, /query\.(from|to)/);
      assert.match(reply.body.error.message, /year 9999/);
    }
    const profile = await server.request('POST', '/api/v1/models/m/versions/v1/profile', { body: { from: 0, to: 9_000_000_000_000_000 } });
    // A 400 (it was a 500: Invalid time value); the body is a union, whose message does not name the branch's field.
    assert.equal(profile.status, 400, profile.text);
    for (const path of ['/api/v1/models/m/drift?from=0&to=253402300799999', '/api/v1/models/m/kpis?from=0&to=253402300799999', '/api/v1/models/m/kpis?from=0&to=1e15']) {
      const reply = await server.request('GET', path);
      assert.ok(reply.status < 500, `${path}: ${reply.text}`);
    }
  });
});
