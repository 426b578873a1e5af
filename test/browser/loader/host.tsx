/**
 * A host page that loads the *built* plugins (dist/module.js) the way Grafana's frontend does:
 * SystemJS with its AMD and CJS extras (loaded before this script, see loader/page.ts), Grafana's
 * shared modules registered under their bare names and backed by the npm packages of one package
 * set (12.3.x or 13.x, which loader/page.ts bundles this page with; package-sets.ts), mapped as
 * Grafana's frontend maps them (`react-router` is the v6 API of react-router-dom-v5-compat,
 * `react-router-dom` the v5 package), window.grafanaBootData written
 * before @grafana/runtime initialises, and dist/
 * served at /public/plugins/<id>/ (so webpack's lazy chunks load from there). The test drives it
 * through `window.mwHost` (loader.test.ts).
 */
import React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactRouterDomV5 from 'react-router-dom';
import * as ReactRouter from 'react-router-dom-v5-compat';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as emotionCss from '@emotion/css';
import lodash from 'lodash';
import moment from 'moment';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaSchema from '@grafana/schema';
import * as grafanaI18n from '@grafana/i18n';
import { AppPlugin, DataSourcePlugin, createTheme, ThemeContext, type AppRootProps, type DataSourceApi, type PluginExtensionPanelContext } from '@grafana/data';
import { config, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { ErrorBoundaryAlert, GlobalStyles, PortalContainer } from '@grafana/ui';
// Not in @grafana/runtime's public exports; Grafana's shell calls these at start-up.
import { setPluginPage } from '../../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import { backendSrv } from '../backendSrv.ts';
import { HarnessPanelRenderer, setPanelRenderer } from '../panelRenderer.tsx';
import { DashboardView, type ActionResult } from './dashboard.tsx';
import { isModelWatch, modelWatchTargets, panelLinks, transformed, type Dashboard } from './panels.ts';
import { queryRequest, runQuery, type Range } from './queries.ts';
import { createTemplateSrv } from './templateSrv.ts';

interface SystemJS {
  set(id: string, module: object): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(id: string): Promise<Record<string, unknown>>;
}
declare global {
  interface Window {
    System: SystemJS;
    mwHost: typeof host;
    mwErrors: string[];
    mwActions: ActionResult[];
  }
}

// ESM packages are shared as their namespace; CommonJS ones (React, lodash, moment) as the
// object itself, which the AMD extra hands to the plugin's factory (`__useDefault`).
const cjs = (value: unknown) => ({ __useDefault: true, default: value });
const SHARED: Record<string, object> = {
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/schema': grafanaSchema,
  '@grafana/i18n': grafanaI18n,
  react: cjs(React),
  'react-dom': cjs(ReactDOM),
  'react-dom/client': cjs(ReactDOMClient),
  'react/jsx-runtime': cjs(jsxRuntime),
  'react-router': ReactRouter,
  'react-router-dom': ReactRouterDomV5,
  rxjs,
  'rxjs/operators': rxjsOperators,
  '@emotion/css': emotionCss,
  lodash: cjs(lodash),
  moment: cjs(moment),
};

window.mwErrors = [];
window.mwActions = [];
const record = (what: string) => (err: unknown) => window.mwErrors.push(`${what}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
setBackendSrv(backendSrv);
setPluginPage((props: { children?: React.ReactNode }) => <div>{props.children}</div>);
setPanelRenderer(HarnessPanelRenderer);
// Registered after the setters above: SystemJS copies a namespace's bindings when it is set, so
// Grafana's start-up (PanelRenderer, PluginPage) must be done by then, as in Grafana.
const imports: Record<string, string> = {};
for (const [name, module] of Object.entries(SHARED)) {
  window.System.set(`package:${name}`, module);
  imports[name] = `package:${name}`;
}
window.System.addImportMap({ imports });

const dark = new URLSearchParams(window.location.search).get('theme') !== 'light';
const theme = createTheme({ colors: { mode: dark ? 'dark' : 'light' } });
Object.assign(config, { theme2: theme, theme: theme.v1 });
const root = ReactDOMClient.createRoot(document.getElementById('root')!);

function Frame(props: { children: React.ReactNode }) {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <ErrorBoundaryAlert onError={record('render')}>{props.children}</ErrorBoundaryAlert>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

const loaded: Record<string, Record<string, unknown>> = {};
async function importPlugin(id: string) {
  const meta = (config.apps as Record<string, { path: string }>)[id] ?? Object.values(config.datasources).find((d) => d.meta.id === id)?.meta;
  if (!meta) throw new Error(`${id} is not in grafanaBootData`);
  loaded[id] ??= await window.System.import(`/${(meta as { module?: string; path?: string }).module ?? (meta as { path: string }).path}`);
  return loaded[id]!;
}

let datasourceInstance: DataSourceApi | undefined;
/** The built datasource's class, constructed with the provisioned settings from grafanaBootData. */
async function datasource(): Promise<DataSourceApi> {
  const { plugin } = (await importPlugin('modelwatch-mlops-datasource')) as { plugin: DataSourcePlugin<any> };
  const settings = Object.values(config.datasources).find((d) => d.type === 'modelwatch-mlops-datasource')!;
  datasourceInstance ??= new plugin.DataSourceClass(settings);
  return datasourceInstance;
}

const host = {
  /** The React this page (and so the plugins) runs: the package set's. */
  reactVersion: React.version,

  /** The dashboard's variable values the template service interpolates (panel links, queries). */
  setVariables(variables: Record<string, string[]>, range: { from: number; to: number }) {
    setTemplateSrv(createTemplateSrv(variables, range));
  },

  /** Which of the host's plugin classes module.js exports as `plugin`. */
  async exportKind(id: string): Promise<string> {
    const { plugin } = await importPlugin(id);
    return plugin instanceof AppPlugin ? 'AppPlugin' : plugin instanceof DataSourcePlugin ? 'DataSourcePlugin' : `other: ${String(plugin)}`;
  },

  async renderApp(path: string) {
    const { plugin } = (await importPlugin('modelwatch-mlops-app')) as { plugin: AppPlugin };
    const Root = plugin.root!;
    const meta = { ...(config.apps as Record<string, object>)['modelwatch-mlops-app'], enabled: true, jsonData: {} } as never;
    const base = '/a/modelwatch-mlops-app';
    root.render(
      <Frame>
        <ReactRouter.MemoryRouter key={path} initialEntries={[path]}>
          <ReactRouter.Routes>
            <ReactRouter.Route path={`${base}/*`} element={<Root {...({ meta, basename: base, path: base, query: {}, onNavChanged: () => {} } as unknown as AppRootProps)} />} />
          </ReactRouter.Routes>
        </ReactRouter.MemoryRouter>
      </Frame>,
    );
  },

  async renderConfig() {
    const { plugin } = (await importPlugin('modelwatch-mlops-app')) as { plugin: AppPlugin };
    const page = plugin.configPages?.[0];
    if (!page) throw new Error('the app has no config page');
    plugin.meta = { ...(config.apps as Record<string, object>)['modelwatch-mlops-app'], enabled: true, jsonData: { url: 'http://modelwatch:8080' }, secureJsonFields: { apiToken: true } } as never;
    const Body = page.body;
    root.render(
      <Frame>
        <Body plugin={plugin} query={{}} />
      </Frame>,
    );
  },

  /** The panel-menu links of the app for a panel, as Grafana resolves them (see panelLinks). */
  async panelMenuLinks(context: PluginExtensionPanelContext, declared: string[]) {
    const { plugin } = (await importPlugin('modelwatch-mlops-app')) as { plugin: AppPlugin };
    return panelLinks(plugin, context, declared).map((l) => ({ title: l.title, category: l.category, hasOnClick: Boolean(l.onClick) }));
  },

  /** Runs every ModelWatch target, annotation and variable of the dashboards through the built datasource. */
  async runDatasource(dashboards: Dashboard[], range: Range) {
    const ds = await datasource();
    const report: Array<{ where: string; frames: number; errors: string[] }> = [];
    const add = (where: string, res: { data: unknown[]; errors: string[] }) => report.push({ where, frames: res.data.length, errors: res.errors });
    for (const dashboard of dashboards) {
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        const targets = modelWatchTargets(panel);
        if (targets.length > 0) add(`${dashboard.uid} panel "${panel.title}"`, await runQuery(ds, queryRequest(range, targets.filter((t) => ds.filterQuery?.(t) ?? true))));
      }
      for (const anno of dashboard.annotations?.list ?? []) {
        if (!isModelWatch(anno.datasource)) continue;
        const query = ds.annotations?.prepareQuery?.(anno);
        add(`${dashboard.uid} annotation "${anno.name}"`, await runQuery(ds, queryRequest(range, query ? [{ ...query, refId: 'Anno' }] : [])));
      }
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.type !== 'query' || !isModelWatch(variable.datasource)) continue;
        const values = await rxjs.lastValueFrom((ds.variables as any).query(queryRequest(range, [{ ...variable.query, refId: variable.name }])));
        report.push({ where: `${dashboard.uid} variable "${variable.name}"`, frames: ((values as any).data ?? []).length, errors: [] });
      }
    }
    const explore = ds.interpolateVariablesInQueries?.([{ refId: 'A', queryType: 'kpi', model: '$model', kpi: 'ctr' } as never], {}) ?? [];
    return { report, health: await ds.testDatasource(), explore };
  },

  /**
   * Panels of a dashboard as a dashboard shows them (dashboard.tsx): their data from the built
   * datasource, the panel menu with the app's extension links, and the panels' actions.
   */
  async renderDashboard(dashboard: Dashboard, titles: string[], declared: string[], range: Range) {
    const ds = await datasource();
    const { plugin } = (await importPlugin('modelwatch-mlops-app')) as { plugin: AppPlugin };
    const panels = [];
    for (const title of titles) {
      const panel = dashboard.panels.find((p) => p.title === title);
      if (!panel) throw new Error(`no panel "${title}" in ${dashboard.uid}`);
      const { data, errors } = await runQuery(ds, queryRequest(range, modelWatchTargets(panel)));
      if (errors.length) throw new Error(`${title}: ${errors.join('; ')}`);
      panels.push({ panel, series: await transformed(panel, data) });
    }
    const linksOf = (context: PluginExtensionPanelContext) => panelLinks(plugin, context, declared);
    root.render(
      <Frame>
        <DashboardView dashboard={dashboard} panels={panels} range={range} linksOf={linksOf} onAction={(r) => window.mwActions.push(r)} />
      </Frame>,
    );
  },
};
window.mwHost = host;
window.addEventListener('error', (e) => {
  // The browser reports a layout that changed size again within one frame (a table sizing its columns)
  // as this ErrorEvent, with no error object: a notice that the observers run next frame, not a fault
  // (the ResizeObserver spec's "loop completed with undelivered notifications"), seen once in four runs.
  if (e.error == null && /^ResizeObserver loop/.test(e.message)) return;
  record('error')(e.error ?? e.message);
});
window.addEventListener('unhandledrejection', (e) => record('unhandledrejection')(e.reason));
