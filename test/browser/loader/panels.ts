/**
 * What Grafana's dashboard does with a panel of the shipped dashboards before a plugin sees it:
 * which targets go to the ModelWatch datasource, the panel's transformations (Grafana's own
 * transformers from @grafana/data), and the app's panel-menu links resolved for the panel.
 */
import {
  PluginExtensionPoints,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
  type AppPlugin,
  type DataFrame,
  type DataQuery,
  type DataTransformerConfig,
  type PluginExtensionAddedLinkConfig,
  type PluginExtensionPanelContext,
} from '@grafana/data';
import { config } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<DataQuery & Record<string, unknown>>;
  transformations?: DataTransformerConfig[];
  fieldConfig?: { defaults: Record<string, any>; overrides: any[] };
  options?: Record<string, any>;
  links?: Array<{ title: string; url: string }>;
}
export interface Dashboard {
  uid: string;
  title: string;
  tags?: string[];
  panels: Panel[];
  annotations?: { list: any[] };
  templating?: { list: any[] };
}

export const isModelWatch = (d: { type?: string } | undefined) => d?.type === 'modelwatch-mlops-datasource';
export const modelWatchTargets = (panel: Panel) => (panel.targets ?? []).filter((t) => isModelWatch((t.datasource as Panel['datasource']) ?? panel.datasource));

// Grafana's start-up registers the standard transformers; a bare @grafana/data has none.
// (standardTransformers lists some under two names: one entry per id. 13.x loads a transformer
// lazily, so there an item's `transformation` is a function returning it.)
const lazyTransformers = Number(config.buildInfo.version.split('.')[0]) >= 13;
standardTransformersRegistry.setInit(() =>
  [...new Map(Object.values(standardTransformers).map((t) => [t.id, t])).values()].map((t) => ({ id: t.id, name: t.name, description: t.description, transformation: lazyTransformers ? async () => t : t, editor: () => null })) as never,
);

export async function transformed(panel: Panel, data: DataFrame[]): Promise<DataFrame[]> {
  return panel.transformations?.length ? lastValueFrom(transformDataFrame(panel.transformations, data)) : data;
}

export type ResolvedLink = PluginExtensionAddedLinkConfig<PluginExtensionPanelContext> & { title: string };

/**
 * The app's panel-menu links for a panel, as Grafana resolves them: links declared for the
 * panel-menu extension point, `configure(context)` applied to a frozen context (undefined hides
 * one), only titles plugin.json declares under `extensions.addedLinks`, at most three per plugin.
 */
export function panelLinks(plugin: AppPlugin, context: PluginExtensionPanelContext, declared: string[]): ResolvedLink[] {
  const links: ResolvedLink[] = [];
  for (const link of plugin.addedLinkConfigs as Array<PluginExtensionAddedLinkConfig<PluginExtensionPanelContext>>) {
    const targets = Array.isArray(link.targets) ? link.targets : [link.targets];
    if (!targets.includes(PluginExtensionPoints.DashboardPanelMenu)) continue;
    if (!declared.includes(link.title)) throw new Error(`link "${link.title}" is not declared in plugin.json extensions.addedLinks`);
    const overrides = link.configure ? link.configure(Object.freeze(context)) : {};
    if (overrides === undefined) continue;
    links.push({ ...link, ...overrides, title: overrides.title ?? link.title });
  }
  return links.slice(0, 3);
}
