/**
 * The serving port's dispatcher (route-dispatch.ts) against the Express app (app.ts) on the
 * same route definitions: every case gets the same status, error body and content type from
 * both, including the paths Express matches loosely, body limits and auth before the body.
 */
import assert from 'node:assert/strict';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import pino from 'pino';
import type { Actor } from '../auth/roles.ts';
import { loadConfig } from '../core/config.ts';
import { createApp, type AppShell } from './app.ts';
import { SMALL_BODY_BYTES } from './read-body.ts';
import { defineRoute, ok } from './route.ts';
import { createRouteDispatcher } from './route-dispatch.ts';

const actors: Record<string, Actor> = {
  ingest: { name: 'token:ingest', role: 'ingest' },
  viewer: { name: 'token:viewer', role: 'viewer' },
  scoped: { name: 'token:scoped', role: 'ingest', models: ['other'] },
};

const routes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: [],
    permission: 'public',
    responses: { 200: { description: 'Alive' } },
    handler: async () => ok({ status: 'ok' }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/models/{model}/predict',
    summary: 'Echo',
    tags: [],
    permission: 'ingest',
    params: z.object({ model: z.string().regex(/^[a-z0-9 é-]+$/) }),
    body: z.object({ features: z.record(z.string(), z.number()) }),
    responses: { 200: { description: 'Echo' } },
    handler: async ({ params, body, actor }) => ok({ model: params.model, features: body.features, actor: actor?.name }),
  }),
];

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

function send(url: string, method: string, path: string, headers: Record<string, string | number>, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: text }));
    });
    // A server that answers before reading the whole body may close the connection under the upload.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.end(body);
  });
}

describe('serving-port dispatcher answers as the Express app', () => {
  const servers: http.Server[] = [];
  let express: string;
  let lean: string;
  const listen = async (listener: RequestListener): Promise<string> => {
    const server = http.createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  before(async () => {
    const observed: string[] = [];
    const shell: AppShell = {
      config: loadConfig({}),
      logger: pino({ level: 'silent' }),
      tokens: { authenticate: async (token: string) => actors[token] ?? null },
      metrics: { httpDuration: { observe: (labels) => observed.push(labels.route) } },
    };
    const noRoute = (method: string, path: string) => `no route for ${method} ${path}`;
    express = await listen(createApp(shell, routes, noRoute));
    lean = await listen(createRouteDispatcher(shell, routes, noRoute));
  });
  after(() => {
    for (const server of servers) server.close();
  });

  const json = (token: string | undefined, extra: Record<string, string | number> = {}) => ({ 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra });
  const cases: Array<[string, string, string, Record<string, string | number>, string | undefined, number]> = [
    ['ok', 'POST', '/api/v1/models/ctr/predict', json('ingest'), '{"features":{"a":1}}', 200],
    ['path matched case-insensitively, trailing slash, query ignored', 'POST', '/API/v1/models/ctr/Predict/?x=1', json('ingest'), '{"features":{"a":1}}', 200],
    ['a percent-encoded parameter is decoded', 'POST', '/api/v1/models/caf%C3%A9/predict', json('ingest'), '{"features":{"a":1}}', 200],
    ['a malformed escape in a parameter', 'POST', '/api/v1/models/%E0%A4%A/predict', json('ingest'), '{"features":{"a":1}}', 400],
    ['an invalid parameter names the path', 'POST', '/api/v1/models/CTR_/predict', json('ingest'), '{"features":{"a":1}}', 400],
    ['no Authorization header', 'POST', '/api/v1/models/ctr/predict', json(undefined), '{"features":{"a":1}}', 401],
    ['not a bearer token', 'POST', '/api/v1/models/ctr/predict', json(undefined, { authorization: 'Basic abc' }), '{"features":{"a":1}}', 401],
    ['an unknown token, before its bad body is parsed', 'POST', '/api/v1/models/ctr/predict', json('nobody'), '{"features":', 401],
    ['a viewer token', 'POST', '/api/v1/models/ctr/predict', json('viewer'), '{"features":{"a":1}}', 403],
    ['a token scoped to another model', 'POST', '/api/v1/models/ctr/predict', json('scoped'), '{"features":{"a":1}}', 403],
    ['JSON cut short', 'POST', '/api/v1/models/ctr/predict', json('ingest'), '{"features":', 400],
    ['not JSON at all', 'POST', '/api/v1/models/ctr/predict', json('ingest'), 'hello', 400],
    ['an empty JSON body', 'POST', '/api/v1/models/ctr/predict', json('ingest'), '', 400],
    ['a body failing the schema names the field', 'POST', '/api/v1/models/ctr/predict', json('ingest'), '{"features":{"a":"x"}}', 400],
    ['JSON nested too deep', 'POST', '/api/v1/models/ctr/predict', json('ingest'), `{"features":${'['.repeat(100)}${']'.repeat(100)}}`, 400],
    ['text/plain is not parsed as JSON', 'POST', '/api/v1/models/ctr/predict', { 'content-type': 'text/plain', authorization: 'Bearer ingest' }, '{"features":{"a":1}}', 400],
    ['no content type', 'POST', '/api/v1/models/ctr/predict', { authorization: 'Bearer ingest' }, '{"features":{"a":1}}', 400],
    ['an unsupported charset', 'POST', '/api/v1/models/ctr/predict', json('ingest', { 'content-type': 'application/json; charset=latin1' }), '{"features":{"a":1}}', 415],
    ['GET on a POST route', 'GET', '/api/v1/models/ctr/predict', json('ingest'), undefined, 404],
    ['an unknown path', 'POST', '/api/v1/models', json('ingest'), '{}', 404],
    ['healthz', 'GET', '/healthz', {}, undefined, 200],
    ['HEAD healthz', 'HEAD', '/healthz', {}, undefined, 200],
  ];

  for (const [name, method, path, headers, body, status] of cases) {
    test(`${name}: ${status}`, async () => {
      const [a, b] = [await send(express, method, path, headers, body), await send(lean, method, path, headers, body)];
      assert.equal(a.status, status, `Express: ${a.body}`);
      assert.deepEqual({ status: b.status, contentType: b.contentType, body: b.body }, { status: a.status, contentType: a.contentType, body: a.body });
    });
  }

  test('a body over the limit is a 413, announced or not; unauthenticated it is a 401 without being read', async () => {
    const big = Buffer.alloc(SMALL_BODY_BYTES + 64 * 1024, 0x20);
    for (const [headers, expected] of [
      [json('ingest'), 413],
      [json('nobody'), 401],
    ] as const) {
      const [a, b] = [await send(express, 'POST', '/api/v1/models/ctr/predict', headers, big), await send(lean, 'POST', '/api/v1/models/ctr/predict', headers, big)];
      assert.equal(a.status, expected, a.body);
      assert.deepEqual([b.status, b.body], [a.status, a.body]);
    }
    const chunked = { ...json('ingest'), 'transfer-encoding': 'chunked' };
    const [a, b] = [await send(express, 'POST', '/api/v1/models/ctr/predict', chunked, big), await send(lean, 'POST', '/api/v1/models/ctr/predict', chunked, big)];
    assert.equal(a.status, 413, a.body);
    assert.deepEqual([b.status, b.body], [a.status, a.body]);
  });

  test('a route with Express middleware or a query schema is refused at construction', () => {
    const shell = { config: loadConfig({}), logger: pino({ level: 'silent' }), tokens: { authenticate: async () => null }, metrics: { httpDuration: { observe: () => undefined } } };
    const withQuery = defineRoute({ ...routes[0]!, query: z.object({ q: z.string() }) });
    assert.throws(() => createRouteDispatcher(shell, [withQuery], () => ''), /query schemas need the Express app/);
  });
});
