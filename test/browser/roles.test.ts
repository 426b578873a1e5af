/**
 * Grafana's org roles through the emulated plugin proxy (proxy-emulator/, reading the real
 * app-plugin/src/plugin.json): a Viewer can change nothing, an Editor only what the editor token
 * may do, and a Grafana server admin who is an org Editor is an Editor (no Roll back). The proxy
 * runs without send_user_header here, so the audit log must name the actor from the token alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { APP, APP_PROXY, DS_UID, skip, startStack, type Stack } from './stack.ts';
import { MODEL } from './seed.ts';

const PLUGIN_JSON = path.resolve(import.meta.dirname, '../../app-plugin/src/plugin.json');
const ROUTES = (JSON.parse(fs.readFileSync(PLUGIN_JSON, 'utf8')) as { routes: { path: string; method: string; reqRole: string }[] }).routes;
const BUTTONS = { promote: 'data-testid mw-action-promote', rollback: 'data-testid mw-action-rollback', retrain: 'data-testid mw-action-retrain' };
const MODEL_PAGE = 'data-testid mw-model-page';

/** fetch() from inside the page, as the plugin's code would (same origin, the session cookie). */
async function send(page: Page, method: string, url: string, body: unknown = { reason: 'role test' }) {
  return page.evaluate(
    async ([m, u, b]) => {
      const res = await fetch(u as string, { method: m as string, headers: { 'content-type': 'application/json' }, body: m === 'GET' ? undefined : JSON.stringify(b) });
      return { status: res.status, text: await res.text() };
    },
    [method, url, body] as const,
  );
}

async function openModel(page: Page, url: string) {
  await page.goto(`${url}${APP}/models/${MODEL}`);
  await page.locator(`[data-testid="${MODEL_PAGE}"]`).waitFor();
  await page.waitForLoadState('networkidle');
}

const visible = async (page: Page, id: string) => (await page.locator(`[data-testid="${id}"]`).count()) > 0;

describe('Grafana roles through the emulated plugin proxy', { skip }, () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ sendUserHeader: false });
  });
  after(async () => {
    await stack?.close();
  });

  const champion = async () => (await stack.backend.request('GET', `/api/v1/models/${MODEL}/aliases`)).body.champion as string;

  test('a Viewer sees no action buttons and every state-changing route is refused before the backend', async () => {
    const page = await stack.pageAs('viewer');
    await openModel(page, stack.emulator.url);
    for (const id of Object.values(BUTTONS)) assert.equal(await visible(page, id), false, `${id} shown to a Viewer`);
    const before = (await stack.emulator.requests()).length;
    const championBefore = await champion();
    for (const route of ROUTES.filter((r) => r.method !== 'GET')) {
      // A path the route matches: its wildcard filled in, or the path itself.
      const target = route.path.endsWith('*') ? `${route.path.slice(0, -1)}api/v1/models/${MODEL}/actions/rollback` : route.path;
      const res = await send(page, route.method, `${stack.emulator.url}${APP_PROXY}/${target}`);
      assert.equal(res.status, 403, `${route.method} ${route.path}: ${res.text}`);
      assert.match(res.text, /plugin proxy route access denied/);
    }
    // A write method on the read route matches no route at all.
    assert.equal((await send(page, 'POST', `${stack.emulator.url}${APP_PROXY}/read/api/v1/models/${MODEL}/actions/rollback`)).status, 404);
    const reached = (await stack.emulator.requests()).slice(before);
    assert.deepEqual(reached.filter((r) => r.method !== 'GET'), [], 'no write reached the backend');
    assert.equal(await champion(), championBefore);
    await page.context().close();
  });

  test('an Editor gets Retrain only; the edit route carries the editor token, which may not roll back', async () => {
    const page = await stack.pageAs('editor');
    await openModel(page, stack.emulator.url);
    assert.equal(await visible(page, BUTTONS.retrain), true, 'Retrain shown to an Editor');
    assert.equal(await visible(page, BUTTONS.rollback), false, 'Roll back shown to an Editor');
    assert.equal(await visible(page, BUTTONS.promote), false, 'Promote shown to an Editor');
    const championBefore = await champion();

    const admin = await send(page, 'POST', `${stack.emulator.url}${APP_PROXY}/admin/api/v1/models/${MODEL}/actions/rollback`);
    assert.equal(admin.status, 403, `refused by the admin route's reqRole: ${admin.text}`);
    // Past Grafana's role check, the backend still refuses: the editor token lacks the admin permission.
    const viaEdit = await send(page, 'POST', `${stack.emulator.url}${APP_PROXY}/edit/api/v1/models/${MODEL}/actions/rollback`);
    assert.equal(viaEdit.status, 403, viaEdit.text);
    assert.match(viaEdit.text, /admin/);
    assert.equal(await champion(), championBefore);

    const retrain = await send(page, 'POST', `${stack.emulator.url}${APP_PROXY}/edit/api/v1/models/${MODEL}/actions/retrain`);
    const logged = (await stack.emulator.requests()).filter((r) => r.method === 'POST');
    assert.deepEqual(
      logged.map((r) => [r.route.split('/')[0], r.tokenKey, r.hasCookie, r.xGrafanaUser, r.status]),
      [
        ['edit', 'editorToken', false, '', 403],
        ['edit', 'editorToken', false, '', retrain.status],
      ],
    );
    assert.ok(retrain.status < 300, `the editor token may retrain: ${retrain.status} ${retrain.text}`);
    // Without X-Grafana-User the audit log still names who acted: the editor route's token.
    const audit = await stack.backend.request('GET', `/api/v1/audit?model=${MODEL}`);
    const retrainEntry = (audit.body.actions as { type: string; actor: string }[]).find((a) => /retrain/.test(a.type));
    assert.ok(retrainEntry, JSON.stringify(audit.body));
    assert.match(retrainEntry.actor, /grafana-editor/);
    await page.context().close();
  });

  test('a Grafana server admin who is an org Editor sees no Roll back, and the proxy refuses it', async () => {
    const page = await stack.pageAs('rootEditor');
    await openModel(page, stack.emulator.url);
    assert.equal(await visible(page, BUTTONS.rollback), false, 'Roll back shown to a server admin with org role Editor');
    const res = await send(page, 'POST', `${stack.emulator.url}${APP_PROXY}/admin/api/v1/models/${MODEL}/actions/rollback`);
    assert.equal(res.status, 403, `refused by the admin route's reqRole: ${res.text}`);
    await page.context().close();
  });

  test('the datasource proxy route reads with the datasource token; an encoded "/" reaches the backend decoded', async () => {
    const page = await stack.pageAs('viewer');
    await page.goto(`${stack.emulator.url}/`);
    const models = await send(page, 'GET', `${stack.emulator.url}/api/datasources/proxy/uid/${DS_UID}/modelwatch/api/v1/models`);
    assert.equal(models.status, 200, models.text);
    await send(page, 'GET', `${stack.emulator.url}${APP_PROXY}/read/api/v1/models/team%2Fchurn/versions`);
    const forwarded = (await stack.emulator.requests()).map((r) => new URL(r.url).pathname).filter((p) => p.includes('churn'));
    // Grafana's proxies forward the decoded wildcard path: why model names cannot contain "/".
    assert.deepEqual(forwarded, ['/api/v1/models/team/churn/versions']);
    const ds = (await stack.emulator.requests()).find((r) => r.route === 'modelwatch/api/v1/models');
    assert.equal(ds?.tokenKey, 'apiToken');
    await page.context().close();
  });

  test('no uncaught errors in the pages', () => {
    assert.deepEqual(stack.errors, []);
  });
});
