import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { roleAllows, roles, type Role } from '../auth/roles.ts';
import { allRoutes } from './routes/index.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

/**
 * Walks every route of the API with every role (and with no token) and checks that the
 * permission check allows exactly what the role grants. Routes are called with placeholder
 * parameters and no body: whatever they answer, it must not be a 5xx.
 */
describe('auth: every route × every role', () => {
  let server: TestServer;
  const tokens = new Map<Role, string>();
  before(async () => {
    server = await startTestServer();
    for (const role of roles) {
      const created = await server.request('POST', '/api/v1/tokens', { body: { name: `matrix-${role}`, role } });
      assert.equal(created.status, 201);
      tokens.set(role, created.body.token);
    }
  });
  after(() => server.close());

  test('allowed and denied per role; no token is 401; nothing answers 5xx', async () => {
    const routes = allRoutes(server.ctx).filter((r) => r.permission !== 'public');
    assert.ok(routes.length >= 6);
    for (const route of routes) {
      const url = route.path.replace(/\{(\w+)\}/g, 'placeholder');
      const method = route.method.toUpperCase();
      const anonymous = await server.request(method, url, { token: null });
      assert.equal(anonymous.status, 401, `${method} ${route.path} without a token`);
      for (const role of roles) {
        const response = await server.request(method, url, { token: tokens.get(role)!, body: method === 'GET' ? undefined : {} });
        const label = `${method} ${route.path} as ${role} → ${response.status} ${response.text.slice(0, 200)}`;
        assert.ok(response.status < 500, label);
        if (roleAllows(role, route.permission as Parameters<typeof roleAllows>[1])) {
          assert.notEqual(response.status, 401, label);
          assert.notEqual(response.status, 403, label);
        } else {
          assert.equal(response.status, 403, label);
          assert.match(response.body.error.message, new RegExp(`needs the "${route.permission}" permission`));
        }
      }
    }
  });

  test('a revoked or unknown token is 401', async () => {
    const response = await server.request('GET', '/api/v1/models', { token: 'mw_not_a_token' });
    assert.equal(response.status, 401);
    assert.match(response.body.error.message, /not recognised or revoked/);
    const malformed = await server.request('GET', '/api/v1/models', { headers: { authorization: 'Token abc' }, token: null });
    assert.equal(malformed.status, 401);
  });
});
