/**
 * The *built* plugins (app-plugin/dist, datasource-plugin/dist) loaded the way Grafana's frontend
 * loads them (loader/host.tsx: SystemJS + AMD/CJS extras, shared modules, grafanaBootData, dist at
 * /public/plugins/<id>/), through the proxy emulator to a real backend: module.js exports the
 * host's classes, every app page and the config page render, the panel-menu links resolve, and
 * the datasource runs every ModelWatch target, annotation and variable of the shipped dashboards.
 * Screenshots (dark and light) go to artifacts/screenshots/loader/, or to
 * MODELWATCH_SCREENSHOTS_DIR (`npm run screenshots` writes docs/screenshots/).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './build.ts';
import { buildLoaderPage } from './loader/page.ts';
import { SCREENSHOTS, skip, startStack, type Stack } from './stack.ts';
import { MODEL, seedExperiment } from './seed.ts';

const SHOTS = process.env.MODELWATCH_SCREENSHOTS_DIR ? path.resolve(ROOT, process.env.MODELWATCH_SCREENSHOTS_DIR) : path.join(SCREENSHOTS, 'loader');
const DASHBOARDS_DIR = path.join(ROOT, 'app-plugin/src/dashboards');
const dashboards = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, f), 'utf8')));
const declaredLinks = (JSON.parse(fs.readFileSync(path.join(ROOT, 'app-plugin/src/plugin.json'), 'utf8')).extensions?.addedLinks ?? []).map((l: { title: string }) => l.title);
const missingDist = ['app-plugin', 'datasource-plugin'].filter((p) => !fs.existsSync(path.join(ROOT, p, 'dist/module.js')));
if (missingDist.length && !skip) throw new Error(`no dist/module.js in ${missingDist.join(', ')}: run npm run build first`);

const PAGES: Array<[string, string, string]> = [
  ['models', '/a/modelwatch-mlops-app/models', 'data-testid mw-models-table'],
  ['model', `/a/modelwatch-mlops-app/models/${MODEL}`, 'data-testid mw-model-page'],
  ['experiments', '/a/modelwatch-mlops-app/experiments', 'data-testid mw-experiments-page'],
  ['jobs', '/a/modelwatch-mlops-app/jobs', 'data-testid mw-jobs-page'],
  ['policies', '/a/modelwatch-mlops-app/policies', 'data-testid mw-policies-page'],
];

describe('the built plugins, loaded as Grafana loads them', { skip }, () => {
  let stack: Stack;
  let page: Page;
  const range = { from: Date.now() - 6 * 3600_000, to: Date.now() + 60_000 };

  let experiment = '';
  const open = async (theme: 'dark' | 'light') => {
    await page.goto(`${stack.emulator.url}/loader.html?theme=${theme}`);
    await page.waitForFunction(() => Boolean(window.mwHost));
    const variables = { model: [MODEL], version: [], feature: ['price'], experiment: [experiment], metric: ['ctr'] };
    await page.evaluate(([v, r]) => window.mwHost.setVariables(v!, r!), [variables, range] as const);
  };
  const hostErrors = () => page.evaluate(() => window.mwErrors);
  /** API calls the pages made that failed: a page that renders an error box fails the test. */
  const failedCalls: string[] = [];

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    stack = await startStack({ sendUserHeader: true });
    [, experiment] = await Promise.all([buildLoaderPage(), seedExperiment(stack.backend, stack.versions.v1, stack.versions.v2)]);
    page = await stack.pageAs('admin');
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/') && r.status() >= 400) failedCalls.push(`${r.request().method()} ${r.status()} ${r.url()}`);
    });
    await open('dark');
  });
  after(async () => {
    await stack?.close();
  });

  test('module.js of each plugin loads and exports an AppPlugin / DataSourcePlugin of the host', async () => {
    assert.equal(await page.evaluate(() => window.mwHost.exportKind('modelwatch-mlops-app')), 'AppPlugin');
    assert.equal(await page.evaluate(() => window.mwHost.exportKind('modelwatch-mlops-datasource')), 'DataSourcePlugin');
  });

  for (const theme of ['dark', 'light'] as const) {
    test(`every app page and the config page render (${theme})`, async () => {
      await open(theme);
      for (const [name, route, testId] of PAGES) {
        await page.evaluate((r) => window.mwHost.renderApp(r), route);
        await page.locator(`[data-testid="${testId}"]`).first().waitFor();
        // Every section finished loading (the plugin's placeholders say "Loading …").
        await page.waitForFunction(() => !/Loading/.test(document.body.innerText));
        await page.waitForLoadState('networkidle');
        // What a page shows instead of throwing: an error alert, or a Grafana service it lacked.
        assert.equal(await page.locator('[data-testid="data-testid Alert error"]').count(), 0, `${name}: an error alert`);
        assert.doesNotMatch(await page.locator('body').innerText(), /can only be used after Grafana/, name);
        await page.screenshot({ path: path.join(SHOTS, `${name}-${theme}.png`) });
      }
      await page.evaluate(() => window.mwHost.renderConfig());
      await page.locator('[data-testid="data-testid mw-app-url"]').waitFor();
      await page.screenshot({ path: path.join(SHOTS, `config-${theme}.png`) });
      assert.deepEqual(await hostErrors(), []);
      assert.deepEqual(failedCalls, [], 'API calls of the pages that failed');
    });
  }

  test('panel-menu links resolve for a ModelWatch panel, within three per plugin', async () => {
    const overview = dashboards.find((d) => d.uid === 'modelwatch-model-overview');
    const panel = overview.panels.find((p: { title: string }) => p.title === 'CTR');
    const context = { pluginId: panel.type, id: panel.id, title: panel.title, timeZone: 'utc', timeRange: { from: 'now-6h', to: 'now' }, dashboard: { uid: overview.uid, title: overview.title, tags: overview.tags }, targets: panel.targets, scopedVars: {}, data: undefined };
    const links = await page.evaluate(([c, d]) => window.mwHost.panelMenuLinks(c as never, d as string[]), [context, declaredLinks] as const);
    assert.deepEqual(links.map((l) => l.title), [`Retrain ${MODEL}`, `Roll back ${MODEL}`]);
    assert.ok(links.every((l) => l.category === 'ModelWatch' && l.hasOnClick));
    const prometheusPanel = overview.panels.find((p: { title: string }) => p.title === 'Health score');
    const none = await page.evaluate(([c, d]) => window.mwHost.panelMenuLinks(c as never, d as string[]), [{ ...context, targets: prometheusPanel.targets }, declaredLinks] as const);
    assert.deepEqual(none, [], 'no links on a panel without a ModelWatch model');
  });

  test('the datasource runs every target, annotation and variable of the shipped dashboards', async () => {
    const result = await page.evaluate(([d, r]) => window.mwHost.runDatasource(d as never, r!), [dashboards, range] as const);
    const failed = result.report.filter((r) => r.errors.length > 0);
    assert.deepEqual(failed, [], 'targets that errored');
    assert.ok(result.report.length >= 10, `ran ${result.report.length} queries`);
    const kpi = result.report.filter((r) => /CTR|CVR|Latency/.test(r.where));
    assert.ok(kpi.length > 0 && kpi.every((r) => r.frames > 0), JSON.stringify(kpi));
    assert.deepEqual(result.health.status, 'success', result.health.message);
    assert.equal(result.explore[0].model, MODEL, 'interpolateVariablesInQueries resolves $model');
    assert.deepEqual(await hostErrors(), []);
    assert.deepEqual(stack.errors, []);
  });
});
