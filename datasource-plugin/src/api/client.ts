import { isFetchError } from '@grafana/runtime';
import { createApiClient, fetchErrorDetail, type ApiClient } from '@modelwatch/plugin-api';

/** Path of the datasource proxy route in plugin.json; Grafana adds the token server-side. */
export const ROUTE_PATH = 'modelwatch';

/** Reads of the ModelWatch API through this datasource instance's proxy route (it only reads). */
export function datasourceClient(datasourceUid: string): ApiClient {
  return createApiClient(() => `/api/datasources/proxy/uid/${datasourceUid}/${ROUTE_PATH}`);
}

/** A message a person can act on, from a failed request (ModelWatch error body, Grafana proxy error, or network). */
export function describeError(err: unknown): string {
  const { status, detail } = errorDetail(err);
  return status ? `${status}: ${detail}` : detail;
}

export function fetchStatus(err: unknown): number | undefined {
  return fetchErrorDetail(err).status;
}

/**
 * Grafana's datasource proxy answers a backend 401 with 400 and the plain-text body
 * "Authentication to data source failed", so a 400 that did not
 * come from ModelWatch (whose errors are `{error: {code, message}}`) is a rejected token.
 */
export function isRejectedToken(err: unknown): boolean {
  const { status, fromBackend } = fetchErrorDetail(err);
  return status === 401 || (status === 400 && !fromBackend);
}

function errorDetail(err: unknown) {
  const detail = fetchErrorDetail(err);
  const text = isFetchError(err) && typeof err.data === 'string' ? err.data.trim() : '';
  return text && !detail.fromBackend ? { ...detail, detail: text } : detail;
}
