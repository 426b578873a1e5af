/**
 * A page that mounts the app plugin's real App (its router, pages, components, @grafana/ui and
 * theme) the way Grafana would, minus Grafana's shell. It supplies what Grafana's frontend
 * normally provides: a BackendSrv (fetch), the signed-in user's role, PluginPage and
 * PanelRenderer. Requests go to the same plugin-proxy URLs as in Grafana; proxy-emulator/ answers them.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import {
  createTheme,
  ThemeContext,
  type AppRootProps,
  type NavModelItem,
} from '@grafana/data';
import { config, setBackendSrv } from '@grafana/runtime';
import { backendSrv } from './backendSrv.ts';
import { HarnessPanelRenderer, setPanelRenderer } from './panelRenderer.tsx';
import { GlobalStyles, PortalContainer, Stack, useTheme2 } from '@grafana/ui';
// Not in @grafana/runtime's public exports; Grafana's shell calls these at start-up.
// Same module file as the package index imports, so the plugin sees what we set.
import { setPluginPage } from '../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import App from '../../app-plugin/src/components/App/App';
import { PLUGIN_BASE_URL } from '../../app-plugin/src/constants';

const theme = createTheme({ colors: { mode: 'dark' } });
Object.assign(config, { theme2: theme, theme: theme.v1 });
// The signed-in user, as proxy-emulator/ renders it into the page (Grafana renders its boot data
// the same way); the org role decides which action buttons the plugin shows (utils/roles.ts).
declare global {
  interface Window {
    modelwatchBoot?: { user: Record<string, unknown> };
  }
}
Object.assign(config.bootData.user, { orgRole: 'Viewer', isGrafanaAdmin: false, timezone: 'utc' }, window.modelwatchBoot?.user);

setBackendSrv(backendSrv);

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

setPanelRenderer(HarnessPanelRenderer);

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
