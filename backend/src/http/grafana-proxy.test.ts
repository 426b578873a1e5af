import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { requestJson, startTestServer, type TestServer } from '../testing/test-server.ts';
import { allRoutes } from './routes/index.ts';

/**
 * Issue 15, path 1: the plugins' proxy routes (app-plugin/src/plugin.json,
 * datasource-plugin/src/plugin.json) against a real backend, through a small emulation of
 * Grafana's plugin proxy as it behaves (docs/security.md): the first route
 * whose method equals the request's and whose path is a prefix of the (cleaned) proxy path
 * wins; its reqRole is checked against the user's org role (403); its URL and headers are
 * rendered from jsonData/secureJsonData; the rest of the path is appended to the URL; no
 * route: 404. Only `{{ .JsonData.x }}` and `{{ .SecureJsonData.x }}` are rendered — anything
 * else (a fallback `or`) fails the test.
 */

type OrgRole = 'Viewer' | 'Editor' | 'Admin';
const rank: Record<OrgRole, number> = { Viewer: 0, Editor: 1, Admin: 2 };

interface PluginRoute {
  path: string;
  method?: string;
  reqRole?: OrgRole;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const routesOf = (file: string): PluginRoute[] => JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8')).routes;
const appRoutes = routesOf('app-plugin/src/plugin.json');
const datasourceRoutes = routesOf('datasource-plugin/src/plugin.json');

interface PluginSettings {
  jsonData: Record<string, string>;
  secureJsonData: Record<string, string>;
}

function render(template: string, settings: PluginSettings): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, expression: string) => {
    const match = /^\s*\.(JsonData|SecureJsonData)\.(\w+)\s*$/.exec(expression);
    if (!match) throw new Error(`template "${expression}" is more than a plain field: no fallbacks in a route's token`);
    const source = match[1] === 'JsonData' ? settings.jsonData : settings.secureJsonData;
    return source[match[2]!] ?? '';
  });
}

/** Grafana's util.JoinURLFragments. */
function joinFragments(a: string, b: string): string {
  if (!b) return a;
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) return a + b.slice(1);
  if (!aSlash && !bSlash) return `${a}/${b}`;
  return a + b;
}

async function proxy(routes: PluginRoute[], settings: PluginSettings, role: OrgRole, method: string, proxyPath: string, body?: unknown) {
  const [rawPath = '', search = ''] = proxyPath.split('?');
  const cleaned = path.posix.normalize(rawPath).replace(/^\/+/, '');
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    const prefix = route.path.replace(/\*$/, '');
    if (!cleaned.startsWith(prefix)) continue;
    if (route.reqRole && rank[role] < rank[route.reqRole]) return { status: 403, from: 'grafana' as const, body: null };
    const target = joinFragments(render(route.url, settings), cleaned.slice(prefix.length)) + (search ? `?${search}` : '');
    const headers: Record<string, string> = {};
    for (const header of route.headers ?? []) headers[header.name.toLowerCase()] = render(header.content, settings);
    const url = new URL(target);
    const response = await requestJson(url.origin, method, `${url.pathname}${url.search}`, { body, headers, token: null });
    return { status: response.status, from: 'backend' as const, body: response.body };
  }
  return { status: 404, from: 'grafana' as const, body: null };
}

describe('Grafana plugin proxy routes against a real backend', () => {
  let server: TestServer;
  let app: PluginSettings;
  let datasource: PluginSettings;
  let v1: string;
  let v2: string;

  before(async () => {
    server = await startTestServer();
    const mint = async (role: string) => (await server.request('POST', '/api/v1/tokens', { body: { name: `grafana-${role}`, role } })).body.token as string;
    app = { jsonData: { url: server.url }, secureJsonData: { apiToken: await mint('viewer'), editorToken: await mint('editor'), adminToken: await mint('admin') } };
    datasource = { jsonData: { url: server.url }, secureJsonData: { apiToken: app.secureJsonData.apiToken! } };
    await createTestModel(server, 'rec');
    v1 = await registerLogistic(server, 'rec', [0.1, 0.2]);
    v2 = await registerLogistic(server, 'rec', [0.2, 0.1]);
    await promote(server, 'rec', v1);
    await promote(server, 'rec', v2);
  });
  after(() => server.close());

  test('one role per route, each with its own token, no fallback; only the methods the plugins use', () => {
    const tokenFor: Record<OrgRole, string> = { Viewer: 'apiToken', Editor: 'editorToken', Admin: 'adminToken' };
    for (const route of appRoutes) {
      assert.ok(route.reqRole, `${route.method} ${route.path} has a reqRole`);
      const access = route.path.split('/')[0];
      assert.equal(access, { Viewer: 'read', Editor: 'edit', Admin: 'admin' }[route.reqRole]);
      const auth = route.headers?.find((h) => h.name === 'Authorization')?.content;
      assert.equal(auth, `Bearer {{ .SecureJsonData.${tokenFor[route.reqRole]} }}`, `${route.method} ${route.path}`);
      assert.ok(['GET', 'POST', 'PUT'].includes(route.method ?? ''), `${route.path}: a method is named`);
      // Grafana matches app routes as a tree: `x` only itself, `x/*` what lies below x.
      assert.ok(![access, `${access}/*`, `${access}/api/v1/*`].includes(route.path), `${route.path} is narrowed below the access prefix`);
    }
    for (const route of datasourceRoutes) {
      assert.equal(route.method, 'GET');
      assert.equal(route.headers?.[0]?.content, 'Bearer {{ .SecureJsonData.apiToken }}');
    }
  });

  test('a Viewer reaches no state-changing backend path through any route', async () => {
    const mutating = allRoutes(server.ctx).filter((r) => r.method !== 'get');
    assert.ok(mutating.length > 10);
    for (const route of mutating) {
      const backendPath = route.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'model' ? 'rec' : 'placeholder'));
      const method = route.method.toUpperCase();
      for (const prefix of ['read', 'edit', 'admin']) {
        const reply = await proxy(appRoutes, app, 'Viewer', method, `${prefix}${backendPath}`, {});
        assert.ok([401, 403, 404].includes(reply.status), `Viewer ${method} ${prefix}${backendPath} → ${reply.status} (${reply.from})`);
      }
      const viaDatasource = await proxy(datasourceRoutes, datasource, 'Viewer', method, `modelwatch${backendPath}`, {});
      assert.ok([401, 403, 404].includes(viaDatasource.status), `datasource ${method} ${backendPath} → ${viaDatasource.status}`);
    }
    // Reading still works, and a path that climbs out of its route is cleaned first.
    assert.equal((await proxy(appRoutes, app, 'Viewer', 'GET', 'read/api/v1/models')).status, 200);
    assert.equal((await proxy(datasourceRoutes, datasource, 'Viewer', 'GET', 'modelwatch/api/v1/models/rec')).status, 200);
    assert.equal((await proxy(datasourceRoutes, datasource, 'Viewer', 'GET', 'modelwatch/healthz')).status, 200);
    assert.equal((await proxy(appRoutes, app, 'Viewer', 'GET', 'read/api/v1/models/../tokens')).status, 404);
    assert.equal((await proxy(datasourceRoutes, datasource, 'Viewer', 'GET', 'modelwatch/api/v1/tokens')).status, 404);
  });

  test('an Editor cannot mint tokens, promote or roll back; an Editor retrains; an Admin promotes and rolls back', async () => {
    for (const prefix of ['read', 'edit', 'admin']) {
      const mint = await proxy(appRoutes, app, 'Editor', 'POST', `${prefix}/api/v1/tokens`, { name: 'x', role: 'admin' });
      assert.ok([403, 404].includes(mint.status), `Editor mints through ${prefix}: ${mint.status}`);
      for (const action of ['promote', 'rollback']) {
        const reply = await proxy(appRoutes, app, 'Editor', 'POST', `${prefix}/api/v1/models/rec/actions/${action}`, { version: v1, reason: 'x' });
        assert.ok([401, 403, 404].includes(reply.status), `Editor ${action} through ${prefix}: ${reply.status} (${reply.from})`);
      }
    }
    // Through edit/ the editor token reaches the backend, which refuses: the token, not Grafana's role check, is the guard.
    const promoteAsEditor = await proxy(appRoutes, app, 'Editor', 'POST', 'edit/api/v1/models/rec/actions/promote', { version: v1, reason: 'x' });
    assert.deepEqual([promoteAsEditor.status, promoteAsEditor.from], [403, 'backend']);
    assert.equal((await server.request('GET', '/api/v1/models/rec/aliases')).body.champion, v2);

    const retrain = await proxy(appRoutes, app, 'Editor', 'POST', 'edit/api/v1/models/rec/actions/retrain', { reason: 'from Grafana' });
    assert.ok(retrain.status >= 200 && retrain.status < 300, `Editor retrains: ${retrain.status} ${JSON.stringify(retrain.body)}`);

    const rollback = await proxy(appRoutes, app, 'Admin', 'POST', 'admin/api/v1/models/rec/actions/rollback', { reason: 'from Grafana' });
    assert.equal(rollback.status, 200, JSON.stringify(rollback.body));
    assert.equal((await server.request('GET', '/api/v1/models/rec/aliases')).body.champion, v1);
    const again = await proxy(appRoutes, app, 'Admin', 'POST', 'admin/api/v1/models/rec/actions/promote', { version: v2, reason: 'from Grafana' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const policies = await proxy(appRoutes, app, 'Admin', 'PUT', 'admin/api/v1/policies', { policies: [] });
    assert.equal(policies.status, 200);
    // Tokens are not reachable through Grafana at all: they are made with `modelwatch token create`.
    assert.equal((await proxy(appRoutes, app, 'Admin', 'POST', 'admin/api/v1/tokens', { name: 'x', role: 'admin' })).status, 404);
  });

  test('a route whose token is not configured fails closed (401), never borrowing another', async () => {
    const viewerOnly: PluginSettings = { jsonData: app.jsonData, secureJsonData: { apiToken: app.secureJsonData.apiToken! } };
    const reply = await proxy(appRoutes, viewerOnly, 'Admin', 'POST', 'admin/api/v1/models/rec/actions/rollback', { reason: 'x' });
    assert.deepEqual([reply.status, reply.from], [401, 'backend']);
  });
});
