import type { PluginExtensionPanelContext } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { DATASOURCE_TYPE } from '../constants';

interface MwTarget {
  datasource?: { type?: string; uid?: string } | null;
  model?: string;
}

/** Models queried by a panel through the ModelWatch datasource, with template variables resolved. */
export function modelsOfPanel(context?: Readonly<PluginExtensionPanelContext>): string[] {
  if (!context) {
    return [];
  }
  const names = new Set<string>();
  for (const target of context.targets as MwTarget[]) {
    if (target.datasource?.type !== DATASOURCE_TYPE || !target.model) {
      continue;
    }
    const value = getTemplateSrv().replace(target.model, context.scopedVars, 'csv');
    value
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m && !m.startsWith('$'))
      .forEach((m) => names.add(m));
  }
  return [...names];
}
