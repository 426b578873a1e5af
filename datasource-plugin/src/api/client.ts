import { createApiClient, fetchErrorDetail, type ApiClient } from '@modelwatch/plugin-api';

/** Path of the datasource proxy route in plugin.json; Grafana adds the token server-side. */
export const ROUTE_PATH = 'modelwatch';

/** Reads of the ModelWatch API through this datasource instance's proxy route (it only reads). */
export function datasourceClient(datasourceUid: string): ApiClient {
  return createApiClient(() => `/api/datasources/proxy/uid/${datasourceUid}/${ROUTE_PATH}`);
}

/** A message a person can act on, from a failed request (ModelWatch error body, Grafana proxy error, or network). */
export function describeError(err: unknown): string {
  const { status, detail } = fetchErrorDetail(err);
  return status ? `${status}: ${detail}` : detail;
}

export function fetchStatus(err: unknown): number | undefined {
  return fetchErrorDetail(err).status;
}
