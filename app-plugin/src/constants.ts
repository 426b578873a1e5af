import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** The ModelWatch datasource; panels that query it get our panel-menu actions. */
export const DATASOURCE_TYPE = 'modelwatch-mlops-datasource';

/** App routes, relative to PLUGIN_BASE_URL. */
export const ROUTES = {
  Models: 'models',
  Model: 'models/:name',
  Experiments: 'experiments',
  Jobs: 'jobs',
  Policies: 'policies',
} as const;

export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

export function modelUrl(name: string): string {
  return prefixRoute(`models/${encodeURIComponent(name)}`);
}
