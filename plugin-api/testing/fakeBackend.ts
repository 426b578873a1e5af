import type { BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

export type Reply = { status?: number; data: unknown };
export type Handler = (request: BackendSrvRequest) => Reply;

/** The plugins' proxy prefixes: the app's `/api/plugin-proxy/<id>`, the datasource's route. */
const PROXY_PREFIX = /^\/api\/(plugin-proxy\/[^/]+|datasources\/proxy\/uid\/[^/]+\/modelwatch)/;

/**
 * Stands in for getBackendSrv().fetch: records every request and fails like Grafana does (an
 * object with status and data). Routes are keyed by the path after the proxy prefix, with the
 * method ("GET /read/api/v1/models") or without it for any method ("/api/v1/models").
 */
export function fakeFetch(routes: Record<string, Reply | Handler>) {
  const requests: BackendSrvRequest[] = [];
  const fetch = jest.fn((request: BackendSrvRequest): Observable<FetchResponse<unknown>> => {
    requests.push(request);
    const path = request.url.replace(PROXY_PREFIX, '');
    const route = routes[`${request.method ?? 'GET'} ${path}`] ?? routes[path];
    if (!route) {
      return throwError(() => ({
        status: 404,
        statusText: 'Not Found',
        data: { error: { code: 'not_found', message: `no fake for ${request.method} ${path}` } },
      }));
    }
    const reply = typeof route === 'function' ? route(request) : route;
    const status = reply.status ?? 200;
    if (status >= 400) {
      return throwError(() => ({ status, statusText: 'Error', data: reply.data, config: request }));
    }
    return of({ status, data: reply.data, ok: true } as FetchResponse<unknown>);
  });
  return { fetch, requests };
}

export type DeepPartial<T> =
  T extends Array<infer Item>
    ? Array<DeepPartial<Item>>
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/**
 * A reply in a test that sets only the fields the code under test reads. Field names and value
 * types are still checked against the generated API types, so a renamed field fails the typecheck.
 */
export function partial<T>(value: DeepPartial<T>): T {
  return value as T;
}
