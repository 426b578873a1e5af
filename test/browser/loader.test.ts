/**
 * The *built* plugins (app-plugin/dist, datasource-plugin/dist) loaded the way Grafana's frontend
 * loads them (loader/host.tsx: SystemJS + AMD/CJS extras, shared modules, grafanaBootData, dist at
 * /public/plugins/<id>/), under each package set of loader/package-sets.json (@grafana 12.3.x with
 * React 18, the newest 13.x with React 19; installed on first run outside the workspace), through
 * the proxy emulator to a real backend: module.js exports the host's classes, every app page and
 * the config page render, the panel-menu links resolve and open their modal from the panel menu,
 * the datasource runs every ModelWatch target, annotation and variable of the shipped dashboards,
 * and the Why table's Roll back action reaches the backend through the admin route.
 * Screenshots (dark and light) go to artifacts/screenshots/loader/<set>/; `npm run screenshots`
 * (MODELWATCH_SCREENSHOTS_DIR) writes those of the newest set to docs/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { promote } from '../../backend/src/testing/serving-helpers.ts';
import { ROOT } from './build.ts';
import { ensurePackageSets, type PackageSet } from './loader/package-sets.ts';
import { buildLoaderPage } from './loader/page.ts';
import { SCREENSHOTS, skip, startStack, type Stack } from './stack.ts';
import { MODEL, seedExperiment } from './seed.ts';

const DASHBOARDS_DIR = path.join(ROOT, 'app-plugin/src/dashboards');
const dashboards = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, f), 'utf8')));
const overview = dashboards.find((d) => d.uid === 'modelwatch-model-overview');
const declaredLinks = (JSON.parse(fs.readFileSync(path.join(ROOT, 'app-plugin/src/plugin.json'), 'utf8')).extensions?.addedLinks ?? []).map((l: { title: string }) => l.title);
const missingDist = ['app-plugin', 'datasource-plugin'].filter((p) => !fs.existsSync(path.join(ROOT, p, 'dist/module.js')));
if (missingDist.length && !skip) throw new Error(`no dist/module.js in ${missingDist.join(', ')}: run npm run build first`);
const sets: PackageSet[] = skip ? [] : await ensurePackageSets((line) => console.log(`# ${line}`));
const DOCS = process.env.MODELWATCH_SCREENSHOTS_DIR && path.resolve(ROOT, process.env.MODELWATCH_SCREENSHOTS_DIR);
const shotsOf = (set: PackageSet) => (DOCS && set === sets.at(-1) ? DOCS : path.join(SCREENSHOTS, 'loader', set.name));

const PAGES: Array<[string, string, string]> = [
  ['models', '/a/modelwatch-mlops-app/models', 'data-testid mw-models-table'],
  ['model', `/a/modelwatch-mlops-app/models/${MODEL}`, 'data-testid mw-model-page'],
  ['experiments', '/a/modelwatch-mlops-app/experiments', 'data-testid mw-experiments-page'],
  ['jobs', '/a/modelwatch-mlops-app/jobs', 'data-testid mw-jobs-page'],
  ['policies', '/a/modelwatch-mlops-app/policies', 'data-testid mw-policies-page'],
];
const THEMES = ['dark', 'light'] as const;
/** The rendered panels (loader/dashboard.tsx: one row, 360 px high) and their menus. */
const DASHBOARD_CLIP = { x: 0, y: 0, width: 1400, height: 400 };

describe('the built plugins, loaded as Grafana loads them', { skip }, () => {
  let stack: Stack;
  let experiment = '';
  const range = { from: Date.now() - 6 * 3600_000, to: Date.now() + 60_000 };

  before(async () => {
    stack = await startStack({ sendUserHeader: true });
    experiment = await seedExperiment(stack.backend, stack.versions.v1, stack.versions.v2);
  });
  after(async () => {
    await stack?.close();
  });

  for (const set of sets) {
    describe(`under @grafana ${set.grafana} with React ${set.react}`, () => {
      let page: Page;
      let url = '';
      const shots = shotsOf(set);
      // Both themes on the newest set (the docs' screenshots); dark only on the others.
      const themes = set === sets.at(-1) ? THEMES : THEMES.slice(0, 1);
      /** API calls the pages made that failed: a page that renders an error box fails the test. */
      const failedCalls: string[] = [];
      const open = async (theme: (typeof THEMES)[number]) => {
        await page.goto(`${stack.emulator.url}${url}?theme=${theme}`);
        await page.waitForFunction(() => Boolean(window.mwHost));
        const variables = { model: [MODEL], version: [], feature: ['price'], experiment: [experiment], metric: ['ctr'] };
        await page.evaluate(([v, r]) => window.mwHost.setVariables(v!, r!), [variables, range] as const);
      };
      const hostErrors = () => page.evaluate(() => window.mwErrors);
      const settled = async () => {
        await page.waitForFunction(() => !/Loading/.test(document.body.innerText));
        await page.waitForLoadState('networkidle');
      };

      before(async () => {
        fs.mkdirSync(shots, { recursive: true });
        url = await buildLoaderPage(set);
        page = await stack.pageAs('admin');
        page.on('response', (r) => {
          if (new URL(r.url()).pathname.startsWith('/api/') && r.status() >= 400) failedCalls.push(`${r.request().method()} ${r.status()} ${r.url()}`);
        });
        await open('dark');
      });
      after(async () => {
        await page?.context().close();
      });

      test('module.js of each plugin loads and exports an AppPlugin / DataSourcePlugin of the host', async () => {
        assert.equal(await page.evaluate(() => window.mwHost.reactVersion), set.react, 'the page runs the React of its package set');
        assert.equal(await page.evaluate(() => window.mwHost.exportKind('modelwatch-mlops-app')), 'AppPlugin');
        assert.equal(await page.evaluate(() => window.mwHost.exportKind('modelwatch-mlops-datasource')), 'DataSourcePlugin');
      });

      for (const theme of themes) {
        test(`every app page and the config page render (${theme})`, async () => {
          await open(theme);
          for (const [name, route, testId] of PAGES) {
            await page.evaluate((r) => window.mwHost.renderApp(r), route);
            await page.locator(`[data-testid="${testId}"]`).first().waitFor();
            await settled();
            // What a page shows instead of throwing: an error alert, or a Grafana service it lacked.
            assert.equal(await page.locator('[data-testid="data-testid Alert error"]').count(), 0, `${name}: an error alert`);
            assert.doesNotMatch(await page.locator('body').innerText(), /can only be used after Grafana/, name);
            await page.screenshot({ path: path.join(shots, `${name}-${theme}.png`) });
          }
          await page.evaluate(() => window.mwHost.renderConfig());
          await page.locator('[data-testid="data-testid mw-app-url"]').waitFor();
          await page.screenshot({ path: path.join(shots, `config-${theme}.png`) });
          assert.deepEqual(await hostErrors(), []);
          assert.deepEqual(failedCalls, [], 'API calls of the pages that failed');
        });
      }

      test('panel-menu links resolve for a ModelWatch panel, within three per plugin', async () => {
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
        assert.equal((result.explore[0] as { model?: string }).model, MODEL, 'interpolateVariablesInQueries resolves $model');
        assert.deepEqual(await hostErrors(), []);
        assert.deepEqual(stack.errors, []);
      });

      for (const theme of themes) {
        test(`a dashboard: the panel menu's ModelWatch links and the Why table's actions (${theme})`, async () => {
          await open(theme);
          await page.evaluate(([d, l, r]) => window.mwHost.renderDashboard(d as never, ['Why', 'CTR'], l as string[], r!), [overview, declaredLinks, range] as const);
          await page.locator('[data-testid="mw-loader-dashboard"] .rdg-cell a[aria-haspopup]').first().waitFor();
          await settled();

          // The panel menu, opened as a user does, with its Extensions submenu.
          await page.getByRole('button', { name: 'Menu for panel CTR' }).click();
          await page.getByRole('menuitem', { name: 'Extensions' }).hover();
          const rollbackItem = page.getByRole('menuitem', { name: `Roll back ${MODEL}` });
          await rollbackItem.waitFor();
          assert.ok(await page.getByRole('menuitem', { name: `Retrain ${MODEL}` }).isVisible());
          assert.ok(await page.getByText('ModelWatch', { exact: true }).isVisible(), 'the links are grouped under their category');
          await page.screenshot({ path: path.join(shots, `panel-menu-${theme}.png`), clip: DASHBOARD_CLIP });
          await rollbackItem.click();
          const modal = page.getByRole('dialog');
          await modal.getByPlaceholder(/CTR down/).waitFor();
          await page.screenshot({ path: path.join(shots, `panel-menu-modal-${theme}.png`), clip: { ...DASHBOARD_CLIP, height: 540 } });
          await page.keyboard.press('Escape');
          await modal.waitFor({ state: 'detached' });

          // The Why table's actions: click a cell, then Roll back and confirm, as in Grafana.
          await page.locator('[data-testid="mw-loader-dashboard"] .rdg-cell a[aria-haspopup]').first().click();
          const rollback = page.getByRole('button', { name: 'Roll back', exact: true });
          await rollback.waitFor();
          assert.ok(await page.getByRole('button', { name: 'Promote challenger' }).isVisible());
          await page.screenshot({ path: path.join(shots, `dashboard-actions-${theme}.png`), clip: DASHBOARD_CLIP });
          if (theme === 'dark') {
            await rollback.click();
            await page.getByText(`Roll ${MODEL} back to its previous champion?`).waitFor();
            await page.getByRole('button', { name: 'Confirm' }).click();
            await page.waitForFunction(() => window.mwActions.length > 0);
            const [action] = await page.evaluate(() => window.mwActions);
            assert.equal(action!.status, 200, JSON.stringify(action));
            assert.match(action!.url, new RegExp(`/api/plugin-proxy/modelwatch-mlops-app/admin/api/v1/models/${MODEL}/actions/rollback$`));
            const proxied = (await stack.emulator.requests()).filter((r) => r.method === 'POST' && r.url.endsWith(`/models/${MODEL}/actions/rollback`));
            assert.equal(proxied.at(-1)?.status, 200, 'the backend rolled back through the admin route');
            // Back to v2 as champion for the next package set.
            await promote(stack.backend, MODEL, stack.versions.v2, 'restore after the action test');
          }
          assert.deepEqual(await hostErrors(), []);
          assert.deepEqual(failedCalls, [], 'API calls that failed');
        });
      }

      test('as an org Viewer: no ModelWatch links in the panel menu, no actions on the table', async () => {
        const viewer = await stack.pageAs('viewer');
        try {
          await viewer.goto(`${stack.emulator.url}${url}?theme=dark`);
          await viewer.waitForFunction(() => Boolean(window.mwHost));
          await viewer.evaluate(([v, r]) => window.mwHost.setVariables(v!, r!), [{ model: [MODEL] }, range] as const);
          await viewer.evaluate(([d, l, r]) => window.mwHost.renderDashboard(d as never, ['Why', 'CTR'], l as string[], r!), [overview, declaredLinks, range] as const);
          await viewer.getByRole('button', { name: 'Menu for panel CTR' }).click();
          await viewer.getByRole('menuitem', { name: 'Inspect' }).waitFor();
          assert.equal(await viewer.getByRole('menuitem', { name: 'Extensions' }).count(), 0, 'no Extensions submenu for a Viewer');
          await viewer.keyboard.press('Escape');
          await viewer.locator('[data-testid="mw-loader-dashboard"] .rdg-cell a[aria-haspopup]').first().click();
          await viewer.waitForTimeout(300);
          assert.equal(await viewer.getByRole('button', { name: 'Roll back', exact: true }).count(), 0, 'no action buttons for a Viewer');
          assert.deepEqual(await viewer.evaluate(() => window.mwErrors), []);
        } finally {
          await viewer.context().close();
        }
      });
    });
  }
});
