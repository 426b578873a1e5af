/**
 * Panels of a shipped dashboard the way Grafana's dashboard presents them to the plugins, built
 * from @grafana/ui's own parts (Grafana's dashboard and its core panels are not in the npm
 * packages): PanelChrome with the panel menu Grafana builds (its Extensions submenu holds the
 * app's links grouped by category; a link's onClick gets Grafana's helpers, openModal renders a
 * Modal), table panels drawn by TableNG (the table panel's renderer in 12.x/13.x) with the
 * panel's actions turned into ActionModels as Grafana's frontend does (title and confirmation
 * interpolated, X-Grafana-Action: 1, sent through BackendSrv), and timeseries panels by
 * @grafana/ui's TimeSeries.
 */
import React, { useMemo, useState } from 'react';
import {
  EventBusSrv,
  PluginExtensionPoints,
  applyFieldOverrides,
  getFieldDisplayName,
  type ActionModel,
  type DataFrame,
  type Field,
  type PluginExtensionPanelContext,
} from '@grafana/data';
import { config, getBackendSrv, getTemplateSrv } from '@grafana/runtime';
import { Menu, Modal, PanelChrome, PanelContextProvider, useTheme2 } from '@grafana/ui';
import { TableNG } from '@grafana/ui/unstable';
import { SeriesChart, withDefaults } from '../panelRenderer.tsx';
import type { Dashboard, Panel, ResolvedLink } from './panels.ts';
import type { Range } from './queries.ts';

/** What an action's request got back (the test reads it from window.mwActions). */
export interface ActionResult {
  title: string;
  url: string;
  status: number;
  /** The error body, when it failed. */
  error?: unknown;
}
interface Props {
  dashboard: Dashboard;
  panels: Array<{ panel: Panel; series: DataFrame[] }>;
  range: Range;
  linksOf(context: PluginExtensionPanelContext): ResolvedLink[];
  onAction(result: ActionResult): void;
}
interface OpenModal {
  title: string;
  body: React.ComponentType<{ onDismiss?: () => void }>;
  width?: string | number;
}

const WIDTH = 1360;
const HEIGHT = 360;
// Grafana's own panel-menu entries around the Extensions submenu (they stand in: no dashboard here).
const GRAFANA_ITEMS: Array<[string, string, string]> = [
  ['View', 'eye', 'v'],
  ['Edit', 'pen', 'e'],
  ['Share', 'share-alt', 'p s'],
  ['Explore', 'compass', 'p x'],
  ['Inspect', 'info-circle', 'i'],
];

function actionsOf(frame: DataFrame, field: Field, rowIndex: number, onAction: Props['onAction']): ActionModel[] {
  return (field.config.actions ?? []).map((action) => {
    const scopedVars = { __dataContext: { value: { data: [frame], frame, field, rowIndex } } } as never;
    const replace = (text: string) => getTemplateSrv().replace(text, scopedVars);
    return {
      title: replace(action.title),
      confirmation: () => replace(action.confirmation || `Are you sure you want to ${action.title}?`),
      onClick: () => {
        const f = action.fetch!;
        const headers = Object.fromEntries((f.headers ?? []).map(([k, v]) => [replace(k), replace(v)]));
        const url = new URL(replace(f.url), window.location.origin).toString();
        getBackendSrv()
          .fetch({ url, method: f.method, data: f.method === 'GET' ? undefined : replace(f.body ?? '{}'), headers: { ...headers, 'X-Grafana-Action': '1' } })
          .subscribe({
            next: (r) => onAction({ title: action.title, url, status: r.status }),
            error: (e: { status?: number; data?: unknown }) => onAction({ title: action.title, url, status: e.status ?? 0, error: e.data ?? String(e) }),
          });
      },
      oneClick: action.oneClick ?? false,
      style: { backgroundColor: action.style?.backgroundColor ?? config.theme2.colors.secondary.main },
      variables: action.variables,
    } as ActionModel;
  });
}

function PanelMenu(props: { links: ResolvedLink[]; context: PluginExtensionPanelContext; openModal(m: OpenModal): void }) {
  const helpers = { context: props.context, openModal: props.openModal, extensionPointId: PluginExtensionPoints.DashboardPanelMenu };
  const groups = new Map<string, ResolvedLink[]>();
  for (const link of props.links) {
    const group = link.category ?? '';
    groups.set(group, [...(groups.get(group) ?? []), link]);
  }
  const extensions = [...groups].map(([group, links]) => (
    <Menu.Group key={group} label={group}>
      {links.map((l) => (
        <Menu.Item key={l.title} label={l.title} icon={l.icon} onClick={(e) => l.onClick?.(e, helpers as never)} />
      ))}
    </Menu.Group>
  ));
  return (
    <Menu>
      {GRAFANA_ITEMS.map(([label, icon, shortcut]) => (
        <Menu.Item key={label} label={label} icon={icon as never} shortcut={shortcut} />
      ))}
      {extensions.length > 0 && <Menu.Item label="Extensions" icon="plug" childItems={extensions as never} />}
      <Menu.Item label="More..." icon="cube" />
    </Menu>
  );
}

function PanelBody(props: { panel: Panel; series: DataFrame[]; range: Range; width: number; height: number; onAction: Props['onAction'] }) {
  const theme = useTheme2();
  const { panel } = props;
  const frames = useMemo(() => {
    const defaults = panel.fieldConfig?.defaults ?? {};
    const result = applyFieldOverrides({ data: withDefaults(props.series, defaults), fieldConfig: { defaults, overrides: panel.fieldConfig?.overrides ?? [] }, replaceVariables: (s, v) => getTemplateSrv().replace(s, v), theme, timeZone: 'utc' });
    // Grafana caches display names in field.state, where the table reads them.
    for (const frame of result) for (const field of frame.fields) getFieldDisplayName(field, frame, result);
    return result;
  }, [panel, props.series, theme]);
  if (panel.type === 'table') {
    return (
      <TableNG
        data={frames[0]!}
        width={props.width}
        height={props.height}
        cellHeight={panel.options?.cellHeight}
        getActions={(frame: DataFrame, field: Field, rowIndex: number) => actionsOf(frame, field, rowIndex, props.onAction)}
        fieldConfig={panel.fieldConfig as never}
      />
    );
  }
  return <SeriesChart series={props.series} timeRange={{ from: props.range.from, to: props.range.to }} fieldConfig={panel.fieldConfig as never} width={props.width} height={props.height} />;
}

export function DashboardView(props: Props) {
  const [modal, setModal] = useState<OpenModal>();
  const width = Math.floor((WIDTH - 8 * (props.panels.length - 1)) / props.panels.length);
  // Grafana lets those who may edit the dashboard run its actions: by default org Editors and
  // Admins, not Viewers.
  const canExecuteActions = () => config.bootData.user.orgRole !== 'Viewer';
  return (
    <div style={{ display: 'flex', gap: 8, padding: 16 }} data-testid="mw-loader-dashboard">
      {props.panels.map(({ panel, series }) => {
        const context = {
          pluginId: panel.type,
          id: panel.id,
          title: panel.title,
          timeZone: 'utc',
          timeRange: { from: 'now-6h', to: 'now' },
          dashboard: { uid: props.dashboard.uid, title: props.dashboard.title, tags: props.dashboard.tags ?? [] },
          targets: panel.targets ?? [],
          scopedVars: {},
          data: { series, state: 'Done', timeRange: undefined },
        } as unknown as PluginExtensionPanelContext;
        return (
          <PanelContextProvider key={panel.id} value={{ eventsScope: 'global', eventBus: new EventBusSrv(), canExecuteActions }}>
            <PanelChrome title={panel.title} width={width} height={HEIGHT} showMenuAlways menu={() => <PanelMenu links={props.linksOf(context)} context={context} openModal={setModal} />}>
              {(innerWidth, innerHeight) => <PanelBody panel={panel} series={series} range={props.range} width={innerWidth} height={innerHeight} onAction={props.onAction} />}
            </PanelChrome>
          </PanelContextProvider>
        );
      })}
      {modal && (
        <Modal title={modal.title} isOpen onDismiss={() => setModal(undefined)}>
          <modal.body onDismiss={() => setModal(undefined)} />
        </Modal>
      )}
    </div>
  );
}
