/**
 * The app plugin's real pages in Debian's Chromium, as a Grafana org Admin, through the Go
 * emulation of Grafana's plugin proxy (proxy-emulator/) to a real backend started here: Models
 * lists the model, the Model page rolls back v2 → v1 through the confirmation dialog, and the
 * Experiments page shows a running test. Screenshots go to artifacts/screenshots/.
 * See README.md for what is real here and what stands in for Grafana.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { APP, SCREENSHOTS, skip, startStack, type Stack } from './stack.ts';
import { MODEL, seedExperiment } from './seed.ts';

const tid = (id: string) => `[data-testid="${id}"]`;
// Same values as app-plugin/src/components/testIds.ts (kept literal: that file is TS for the bundler).
const ids = {
  modelsTable: 'data-testid mw-models-table',
  modelPage: 'data-testid mw-model-page',
  versions: 'data-testid mw-versions-table',
  kpiCharts: 'data-testid mw-kpi-charts',
  rollback: 'data-testid mw-action-rollback',
  reason: 'data-testid mw-action-reason',
  confirm: 'data-testid mw-action-confirm',
  experimentsPage: 'data-testid mw-experiments-page',
};

describe('app plugin pages in Chromium, as an org Admin', { skip }, () => {
  let stack: Stack;
  let page: Page;
  let versions: { v1: string; v2: string };
  let url: string;

  before(async () => {
    // With send_user_header on, as docker-compose.yml sets it.
    stack = await startStack({ sendUserHeader: true });
    versions = stack.versions;
    url = stack.emulator.url;
    page = await stack.pageAs('admin');
  });

  after(async () => {
    await stack?.close();
  });

  test('the Models page lists the model with its champion', async () => {
    await page.goto(`${url}${APP}/models`);
    const table = page.locator(tid(ids.modelsTable));
    await table.getByText(MODEL, { exact: true }).waitFor();
    await table.getByText(versions.v2).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'models.png'), fullPage: true });
  });

  test('the Model page rolls back to the previous champion through the confirmation dialog', async () => {
    await page.locator(tid(ids.modelsTable)).getByRole('link', { name: MODEL }).click();
    await page.waitForURL(`**${APP}/models/${MODEL}`);
    await page.locator(tid(ids.modelPage)).waitFor();
    const championRow = () => page.locator(tid(ids.versions)).getByRole('row').filter({ hasText: 'champion' });
    await assert.doesNotReject(championRow().getByText(versions.v2, { exact: true }).waitFor());
    // KPI charts drew (uPlot canvases) from the seeded traffic.
    await page.locator(`${tid(ids.kpiCharts)} canvas`).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'model.png'), fullPage: true });

    await page.locator(tid(ids.rollback)).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const confirm = dialog.locator(tid(ids.confirm));
    assert.equal(await confirm.isDisabled(), true, 'confirm stays disabled until a reason is given');
    await dialog.locator(tid(ids.reason)).fill('CTR fell after v2 (browser test)');
    await confirm.click();
    await dialog.getByText(/Roll back recorded/).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'rollback-confirmed.png') });
    await dialog.locator('button', { hasText: /^Close$/ }).click();
    await dialog.waitFor({ state: 'detached' });

    await championRow().getByText(versions.v1, { exact: true }).waitFor();
    const aliases = await stack.backend.request('GET', `/api/v1/models/${MODEL}/aliases`);
    assert.equal(aliases.status, 200, aliases.text);
    assert.equal(aliases.body.champion, versions.v1);
    // The action went through the admin route, with the admin token added by the proxy (not the
    // page), the session cookie stripped and the signed-in user forwarded.
    const rollback = (await stack.emulator.requests()).find((r) => r.method === 'POST' && r.url.endsWith(`/api/v1/models/${MODEL}/actions/rollback`));
    assert.ok(rollback, 'the rollback reached the backend');
    assert.deepEqual(
      { route: rollback.route.split('/')[0], token: rollback.tokenKey, cookie: rollback.hasCookie, user: rollback.xGrafanaUser, status: rollback.status },
      { route: 'admin', token: 'adminToken', cookie: false, user: 'ada', status: 200 },
    );
    // The audit actor is the token; the forwarded login only adds to it.
    const audit = await stack.backend.request('GET', `/api/v1/audit?model=${MODEL}&type=rollback`);
    assert.equal(audit.status, 200, audit.text);
    assert.match(JSON.stringify(audit.body), /grafana-admin/);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'model-after-rollback.png'), fullPage: true });
  });

  test('the Experiments page shows a running experiment', async () => {
    const id = await seedExperiment(stack.backend, versions.v1, versions.v2);
    await page.goto(`${url}${APP}/experiments`);
    const experiments = page.locator(tid(ids.experimentsPage));
    await experiments.getByText(id, { exact: true }).first().waitFor();
    await experiments.getByText(`Results of ${id}`).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'experiments.png'), fullPage: true });
  });

  test('the page never saw a backend token and threw nothing', async () => {
    const html = await page.content();
    for (const token of [stack.backend.adminToken, ...Object.values(stack.tokens)]) assert.ok(!html.includes(token));
    assert.deepEqual(stack.errors, [], 'no uncaught errors in the page');
  });
});
