/**
 * The app plugin's real pages in Debian's Chromium, against a real backend started here:
 * Models lists the model, the Model page rolls back v2 → v1 through the confirmation dialog,
 * and the Experiments page shows a running test. Screenshots go to artifacts/screenshots/.
 * See README.md for what is real here and what stands in for Grafana.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../backend/src/testing/test-server.ts';
import { buildHarness, ROOT } from './build.ts';
import { startHarnessServer, type HarnessServer } from './server.ts';
import { MODEL, seedExperiment, seedModel } from './seed.ts';

const CHROMIUM = process.env.MODELWATCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.join(ROOT, 'artifacts/screenshots');
const APP = '/a/modelwatch-mlops-app';
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

/**
 * Known plugin bug, found by this harness: FeatureSparkline (drift table) hands @grafana/ui 12.4's
 * Sparkline a y field without `state.range`, which Sparkline destructures; the sparkline cell stays
 * empty. Remove this entry once the plugin sets the range.
 */

const skip = process.env.MODELWATCH_TEST_BROWSER === 'skip';
if (!skip && !fs.existsSync(CHROMIUM)) {
  throw new Error(
    `Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium), point MODELWATCH_CHROMIUM at one, ` +
      'or set MODELWATCH_TEST_BROWSER=skip to skip the browser tests.'
  );
}

describe('app plugin pages in Chromium', { skip: skip && 'MODELWATCH_TEST_BROWSER=skip' }, () => {
  let backend: TestServer;
  let harness: HarnessServer;
  let browser: Browser;
  let page: Page;
  let versions: { v1: string; v2: string };
  const consoleErrors: string[] = [];

  before(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const [dir, server] = await Promise.all([buildHarness(), startTestServer('sqlite')]);
    backend = server;
    versions = await seedModel(backend);
    harness = await startHarnessServer(dir, backend.url, backend.adminToken);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(15_000);
    page.setDefaultNavigationTimeout(15_000);
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    await backend?.close();
    if (consoleErrors.length > 0) console.log(`browser console errors:\n${consoleErrors.join('\n')}`);
  });

  test('the Models page lists the model with its champion', async () => {
    await page.goto(`${harness.url}${APP}/models`);
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
    const aliases = await backend.request('GET', `/api/v1/models/${MODEL}/aliases`);
    assert.equal(aliases.status, 200, aliases.text);
    assert.equal(aliases.body.champion, versions.v1);
    // The action went through the admin route, with the token added by the proxy, not the page.
    assert.ok(harness.proxied.includes(`POST /api/v1/models/${MODEL}/actions/rollback`), harness.proxied.join('\n'));
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'model-after-rollback.png'), fullPage: true });
  });

  test('the Experiments page shows a running experiment', async () => {
    const id = await seedExperiment(backend, versions.v1, versions.v2);
    await page.goto(`${harness.url}${APP}/experiments`);
    const experiments = page.locator(tid(ids.experimentsPage));
    await experiments.getByText(id, { exact: true }).first().waitFor();
    await experiments.getByText(`Results of ${id}`).waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'experiments.png'), fullPage: true });
  });

  test('the page never saw the backend token', async () => {
    const html = await page.content();
    assert.ok(!html.includes(backend.adminToken));
    const unexpected = consoleErrors.filter((e) => e.startsWith('pageerror'));
    assert.deepEqual(unexpected, [], 'no uncaught errors in the page');
  });
});
