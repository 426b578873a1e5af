/**
 * A host page that loads the *built* plugins (dist/module.js) the way Grafana's frontend does:
 * SystemJS with its AMD and CJS extras (loaded before this script, see loader/page.ts), Grafana's
 * shared modules registered under their bare names and backed by the real npm packages this page
 * is bundled with, window.grafanaBootData written before @grafana/runtime initialises, and dist/
 * served at /public/plugins/<id>/ (so webpack's lazy chunks load from there). The test drives it
 * through `window.mwHost` (loader.test.ts).
 */
import React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as ReactRouter from 'react-router';
import * as ReactRouterDom from 'react-router-dom';
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
import { AppPlugin, DataSourcePlugin, createTheme, dateTime, ThemeContext, type AppRootProps, type PluginExtensionPanelContext } from '@grafana/data';
import { config, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { ErrorBoundaryAlert, GlobalStyles, PortalContainer } from '@grafana/ui';
// Not in @grafana/runtime's public exports; Grafana's shell calls these at start-up.
import { setPluginPage } from '../../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import { backendSrv } from '../backendSrv.ts';
import { HarnessPanelRenderer, setPanelRenderer } from '../panelRenderer.tsx';
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
  'react-router-dom': ReactRouterDom,
  rxjs,
  'rxjs/operators': rxjsOperators,
  '@emotion/css': emotionCss,
  lodash: cjs(lodash),
  moment: cjs(moment),
};

window.mwErrors = [];
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

const host = {
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
        <ReactRouterDom.MemoryRouter key={path} initialEntries={[path]}>
          <ReactRouterDom.Routes>
            <ReactRouterDom.Route path={`${base}/*`} element={<Root {...({ meta, basename: base, path: base, query: {}, onNavChanged: () => {} } as unknown as AppRootProps)} />} />
          </ReactRouterDom.Routes>
        </ReactRouterDom.MemoryRouter>
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

  /**
   * The panel-menu links of the app for a panel, as Grafana resolves them: links declared for
   * the panel-menu extension point, `configure(context)` applied (undefined hides one), at most
   * three per plugin, and only titles plugin.json declares under `extensions.addedLinks`.
   */
  async panelMenuLinks(context: PluginExtensionPanelContext, declared: string[]) {
    const { plugin } = (await importPlugin('modelwatch-mlops-app')) as { plugin: AppPlugin };
    const links = [];
    for (const link of plugin.addedLinkConfigs) {
      const targets = Array.isArray(link.targets) ? link.targets : [link.targets];
      if (!targets.includes(grafanaData.PluginExtensionPoints.DashboardPanelMenu)) continue;
      if (!declared.includes(link.title)) throw new Error(`link "${link.title}" is not declared in plugin.json extensions.addedLinks`);
      const overrides = link.configure ? link.configure(Object.freeze(context)) : {};
      if (overrides === undefined) continue;
      links.push({ title: overrides.title ?? link.title, category: link.category, hasOnClick: Boolean(link.onClick) });
    }
    return links.slice(0, 3);
  },

  /** Runs every ModelWatch target, annotation and variable of the dashboards through the built datasource. */
  async runDatasource(dashboards: Array<{ uid: string; panels: any[]; annotations?: { list: any[] }; templating?: { list: any[] } }>, range: { from: number; to: number }) {
    const { plugin } = (await importPlugin('modelwatch-mlops-datasource')) as { plugin: DataSourcePlugin<any> };
    const settings = Object.values(config.datasources).find((d) => d.type === 'modelwatch-mlops-datasource')!;
    const ds = new plugin.DataSourceClass(settings);
    const timeRange = { from: dateTime(range.from), to: dateTime(range.to), raw: { from: 'now-6h', to: 'now' } };
    const request = (targets: any[], app = 'dashboard') => ({ requestId: 'loader', interval: '1m', intervalMs: 60_000, range: timeRange, scopedVars: {}, targets, timezone: 'utc', app, startTime: Date.now() });
    const run = async (r: ReturnType<typeof request>) => {
      const result = ds.query(r as never);
      return (await ('subscribe' in result ? rxjs.lastValueFrom(result) : result)) as { data: unknown[]; errors?: Array<{ message?: string }> };
    };
    const isMw = (d: any) => d?.type === 'modelwatch-mlops-datasource';
    const report: Array<{ where: string; frames: number; errors: string[] }> = [];
    for (const dashboard of dashboards) {
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        const targets = (panel.targets ?? []).filter((t: any) => isMw(t.datasource ?? panel.datasource));
        if (targets.length === 0) continue;
        const res = await run(request(targets.filter((t: any) => ds.filterQuery?.(t) ?? true)));
        report.push({ where: `${dashboard.uid} panel "${panel.title}"`, frames: res.data.length, errors: (res.errors ?? []).map((e) => e.message ?? '?') });
      }
      for (const anno of dashboard.annotations?.list ?? []) {
        if (!isMw(anno.datasource)) continue;
        const query = ds.annotations?.prepareQuery?.(anno);
        const res = await run(request(query ? [{ ...query, refId: 'Anno' }] : [], 'dashboard'));
        report.push({ where: `${dashboard.uid} annotation "${anno.name}"`, frames: res.data.length, errors: (res.errors ?? []).map((e) => e.message ?? '?') });
      }
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.type !== 'query' || !isMw(variable.datasource)) continue;
        const values = await rxjs.lastValueFrom((ds.variables as any).query(request([{ ...variable.query, refId: variable.name }], 'dashboard')));
        report.push({ where: `${dashboard.uid} variable "${variable.name}"`, frames: ((values as any).data ?? []).length, errors: [] });
      }
    }
    const explore = ds.interpolateVariablesInQueries?.([{ refId: 'A', queryType: 'kpi', model: '$model', kpi: 'ctr' }], {}) ?? [];
    return { report, health: await ds.testDatasource(), explore };
  },
};
window.mwHost = host;
window.addEventListener('error', (e) => record('error')(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => record('unhandledrejection')(e.reason));
