/**
 * A page that mounts the app plugin's real App (its router, pages, components, @grafana/ui and
 * theme) the way Grafana would, minus Grafana's shell. It supplies what Grafana's frontend
 * normally provides: a BackendSrv (fetch), the signed-in user's role, PluginPage and
 * PanelRenderer. Requests go to the same plugin-proxy URLs as in Grafana; server.ts answers them.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { Observable } from 'rxjs';
import {
  applyFieldOverrides,
  createTheme,
  ThemeContext,
  type AppRootProps,
  type DataFrame,
  type NavModelItem,
} from '@grafana/data';
import { config, setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { GlobalStyles, PortalContainer, Stack, TimeSeries, useTheme2 } from '@grafana/ui';
// Not in @grafana/runtime's public exports; Grafana's shell calls these at start-up.
// Same module file as the package index imports, so the plugin sees what we set.
import { setPluginPage } from '../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import { setPanelRenderer } from '../../node_modules/@grafana/runtime/dist/esm/components/PanelRenderer.mjs';
import App from '../../app-plugin/src/components/App/App';
import { PLUGIN_BASE_URL } from '../../app-plugin/src/constants';

const theme = createTheme({ colors: { mode: 'dark' } });
Object.assign(config, { theme2: theme, theme: theme.v1 });
// The role decides which action buttons the plugin shows (utils/roles.ts). ?role=Viewer to try others.
const role = new URLSearchParams(window.location.search).get('role') ?? 'Admin';
Object.assign(config.bootData.user, { orgRole: role, isGrafanaAdmin: false, login: 'admin', name: 'Admin', timezone: 'utc' });

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly data: unknown,
    readonly config: BackendSrvRequest
  ) {
    super(`${status} ${statusText}`);
  }
}

function buildUrl(options: BackendSrvRequest): string {
  const url = new URL(options.url, window.location.origin);
  for (const [k, v] of Object.entries(options.params ?? {})) {
    if (v !== undefined && v !== null) {
      url.searchParams.append(k, String(v));
    }
  }
  return url.toString();
}

async function doFetch<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined) {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(buildUrl(options), { method: options.method ?? 'GET', headers, body });
  const text = await res.text();
  let data: unknown = text;
  if (options.responseType !== 'text' && text && (res.headers.get('content-type') ?? '').includes('json')) {
    data = JSON.parse(text);
  }
  if (!res.ok) {
    throw new HttpError(res.status, res.statusText, data, options);
  }
  return {
    data: data as T,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    url: res.url,
    type: res.type,
    redirected: res.redirected,
    config: options,
  };
}

const backendSrv = {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable((subscriber) => {
      doFetch<T>(options).then(
        (r) => {
          subscriber.next(r);
          subscriber.complete();
        },
        (e) => subscriber.error(e)
      );
    });
  },
  datasourceRequest: <T,>(options: BackendSrvRequest) => doFetch<T>(options),
  request: async <T,>(options: BackendSrvRequest) => (await doFetch<T>(options)).data,
  get: async <T,>(url: string, params?: BackendSrvRequest['params']) => (await doFetch<T>({ url, params })).data,
  delete: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'DELETE', data })).data,
  post: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'POST', data })).data,
  put: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'PUT', data })).data,
  patch: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'PATCH', data })).data,
  resolveCancelerIfExists: () => {},
};
setBackendSrv(backendSrv as unknown as BackendSrv);

/** Stands in for Grafana's page chrome: the title, the page's actions, then the body. */
function HarnessPluginPage(props: { pageNav?: NavModelItem; actions?: React.ReactNode; children?: React.ReactNode }) {
  const t = useTheme2();
  return (
    <div style={{ padding: t.spacing(2, 3) }}>
      <Stack justifyContent="space-between" alignItems="center">
        <h1 data-testid="harness-page-title">{props.pageNav?.text ?? 'ModelWatch'}</h1>
        {props.actions}
      </Stack>
      {props.pageNav?.subTitle ? <p style={{ color: t.colors.text.secondary }}>{props.pageNav.subTitle}</p> : null}
      {props.children}
    </div>
  );
}
setPluginPage(HarnessPluginPage);

/** Grafana's "timeseries" panel is core code; @grafana/ui's TimeSeries draws the same frames. */
function HarnessPanelRenderer(props: {
  title?: string;
  pluginId: string;
  width: number;
  height: number;
  data?: { series: DataFrame[]; timeRange: any };
  fieldConfig?: { defaults: object; overrides: any[] };
}) {
  const t = useTheme2();
  const frames = applyFieldOverrides({
    data: props.data?.series ?? [],
    // The timeseries panel's own default: one palette colour per series.
    fieldConfig: {
      defaults: { color: { mode: 'palette-classic' }, ...props.fieldConfig?.defaults },
      overrides: props.fieldConfig?.overrides ?? [],
    },
    replaceVariables: (s: string) => s,
    theme: t,
    timeZone: 'utc',
  });
  const titleHeight = 24;
  return (
    <div>
      <div style={{ height: titleHeight, padding: t.spacing(0, 1), fontWeight: 500 }}>{props.title}</div>
      {frames.length > 0 ? (
        <TimeSeries
          frames={frames}
          width={props.width}
          height={props.height - titleHeight}
          timeRange={props.data!.timeRange}
          timeZone="utc"
          legend={{ showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } as any}
        />
      ) : null}
    </div>
  );
}
setPanelRenderer(HarnessPanelRenderer as any);

const meta = { id: 'modelwatch-mlops-app', name: 'ModelWatch', enabled: true, jsonData: {} } as any;

function Root() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      {/* As in Grafana: absolute URLs, the app mounted under /a/<id>/* and routing relative to it. */}
      <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route
            path={`${PLUGIN_BASE_URL}/*`}
            element={<App {...({ meta, basename: PLUGIN_BASE_URL, path: PLUGIN_BASE_URL, query: {}, onNavChanged: () => {} } as unknown as AppRootProps)} />}
          />
          <Route path="*" element={<Navigate to={`${PLUGIN_BASE_URL}/models`} replace />} />
        </Routes>
      </BrowserRouter>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Root />);
