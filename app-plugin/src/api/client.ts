import { createApiClient, fetchErrorDetail } from '@modelwatch/plugin-api';
import { PLUGIN_ID } from '../constants';

/**
 * The app's ModelWatch client: one plugin proxy route per access level (plugin.json `routes`):
 * read = GET, any signed-in user; edit = POST, Editor (retrain, experiments, jobs);
 * admin = POST/PUT, Admin (promote, rollback, policies, approvals).
 */
export const api = createApiClient((access) => `/api/plugin-proxy/${PLUGIN_ID}/${access}`);

/** A message a person can act on, for a failed request. */
export function errorMessage(err: unknown): string {
  const { status, detail, fromBackend } = fetchErrorDetail(err);
  if (status === 403 && !fromBackend) {
    return 'Your Grafana role does not allow this (403). Ask an admin.';
  }
  if (status === 502 || status === 504) {
    return `Grafana cannot reach the ModelWatch backend (${status}). Check the URL on the app's configuration page.`;
  }
  return status ? `${detail} (${status})` : detail;
}
