export { fakeFetch, partial } from '@modelwatch/plugin-api/testing';

/** Sets the signed-in user's org role in Grafana's boot data. */
export function setRole(config: unknown, orgRole: 'Viewer' | 'Editor' | 'Admin') {
  (config as { bootData: { user: object } }).bootData = { user: { orgRole, isGrafanaAdmin: false } };
}
