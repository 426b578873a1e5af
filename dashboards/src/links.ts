/**
 * Links into the ModelWatch app and panel actions that call it.
 *
 * The SDK types panel links and field (data) links as `DashboardLink` (the dashboard-links-bar
 * shape, whose builder also defaults `placement` to the controls menu). Grafana stores panel and
 * data links as `DataLink` ({title, url, targetBlank}), so those are built here and typed through
 * the SDK's interface. Dashboard links and annotations are built without the builders' default
 * `placement: "inControlsMenu"` (shown in the links bar / above the panels, not in a menu).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  ActionBuilder,
  ActionType,
  DashboardLinkType,
  FetchOptionsBuilder,
  HttpRequestMethod,
  type DashboardLink,
} from '@grafana/grafana-foundation-sdk/dashboard';

export const APP_ID = 'modelwatch-mlops-app';
export const APP_BASE = `/a/${APP_ID}`;
/**
 * The model page of the app, for the dashboard's `model` variable. Path variables carry
 * `:percentencode` so a value's `/`, `?` or `#` stays inside its segment.
 */
export const MODEL_PAGE_URL = `${APP_BASE}/models/\${model:percentencode}`;
export const EXPERIMENTS_PAGE_URL = `${APP_BASE}/experiments`;

/**
 * Base of the app's plugin-proxy routes (app-plugin/src/plugin.json `routes`). The app is
 * frontend-only, so there is no `/api/plugins/<id>/resources` endpoint; Grafana proxies
 * `/api/plugin-proxy/<id>/<route>/…` to the backend, checks the route's role (promote and
 * rollback take the `admin` route) and adds the backend token server-side.
 */
export const APP_PROXY_BASE = `/api/plugin-proxy/${APP_ID}`;

/** A panel link or data link (Grafana's `DataLink`), through the SDK's link type. */
class DataLinkBuilder implements cog.Builder<DashboardLink> {
  private readonly link: { title: string; url: string; targetBlank: boolean };

  constructor(title: string, url: string, targetBlank = false) {
    this.link = { title, url, targetBlank };
  }

  build(): DashboardLink {
    return { ...this.link } as unknown as DashboardLink;
  }
}

export function dataLink(title: string, url: string): cog.Builder<DashboardLink> {
  return new DataLinkBuilder(title, url);
}

export const openModelLink = (): cog.Builder<DashboardLink> => dataLink('Open ${model} in ModelWatch', MODEL_PAGE_URL);

class DashboardLinksBarBuilder implements cog.Builder<DashboardLink> {
  private readonly link: DashboardLink;

  constructor(link: DashboardLink) {
    this.link = link;
  }

  build(): DashboardLink {
    return { ...this.link, tags: [...this.link.tags] };
  }
}

/**
 * The SDK's annotation builder defaults `placement` to "inControlsMenu" and cannot unset it;
 * without it the annotation toggles stay visible above the panels.
 */
export function withoutPlacement<T extends { placement?: unknown }>(builder: cog.Builder<T>): cog.Builder<T> {
  return {
    build: () => {
      const { placement: _placement, ...rest } = builder.build();
      return rest as T;
    },
  };
}

/** A link in the dashboard's links bar to a URL (variables and time range carried along). */
export function urlDashboardLink(title: string, url: string, icon = 'external link'): cog.Builder<DashboardLink> {
  return new DashboardLinksBarBuilder({
    title,
    type: DashboardLinkType.Link,
    icon,
    tooltip: '',
    url,
    tags: [],
    asDropdown: false,
    targetBlank: false,
    includeVars: false,
    keepTime: false,
  });
}

/** A dropdown of the other ModelWatch dashboards (tag `modelwatch`), keeping variables and time. */
export function modelwatchDashboardsLink(): cog.Builder<DashboardLink> {
  return new DashboardLinksBarBuilder({
    title: 'ModelWatch dashboards',
    type: DashboardLinkType.Dashboards,
    icon: 'apps',
    tooltip: '',
    tags: ['modelwatch'],
    asDropdown: true,
    targetBlank: false,
    includeVars: true,
    keepTime: true,
  });
}

/** Promote and rollback need an Admin (plugin.json route `admin/api/v1/models`, POST, with the admin token). */
export function modelActionUrl(action: 'promote' | 'rollback'): string {
  return `${APP_PROXY_BASE}/admin/api/v1/models/\${model:percentencode}/actions/${action}`;
}

/**
 * `color` must be a CSS colour value (Grafana's green and red here), not a palette name: Grafana's
 * ActionButton computes the text contrast from it and throws on "green" (validate.ts checks it).
 */
function modelAction(action: 'promote' | 'rollback', title: string, reason: string, confirmation: string, color: string): ActionBuilder {
  return new ActionBuilder()
    .type(ActionType.Fetch)
    .title(title)
    .confirmation(confirmation)
    .oneClick(false)
    .style({ backgroundColor: color })
    .fetch(
      new FetchOptionsBuilder()
        .method(HttpRequestMethod.POST)
        .url(modelActionUrl(action))
        .headers([['Content-Type', 'application/json']])
        .body(JSON.stringify({ reason })),
    );
}

/** Panel actions (fieldConfig.defaults.actions, type fetch) for the model's champion. */
export function modelActions(): ActionBuilder[] {
  return [
    modelAction(
      'promote',
      'Promote challenger',
      'promoted from dashboard',
      'Promote the challenger of ${model} to champion? All traffic moves to it. Needs the Admin role.',
      '#73BF69',
    ),
    modelAction(
      'rollback',
      'Roll back',
      'rolled back from dashboard',
      'Roll ${model} back to its previous champion? Needs the Admin role.',
      '#F2495C',
    ),
  ];
}
