import type { BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

export type Reply = { status?: number; data: unknown };
export type Handler = (request: BackendSrvRequest) => Reply;

/**
 * Stands in for getBackendSrv().fetch. Routes are keyed "METHOD /<access>/<path>", e.g.
 * "GET /read/api/v1/models" (the part after /api/plugin-proxy/<app id>). Records requests.
 */
export function fakeFetch(routes: Record<string, Reply | Handler>) {
  const requests: BackendSrvRequest[] = [];
  const fetch = jest.fn((request: BackendSrvRequest): Observable<FetchResponse<unknown>> => {
    requests.push(request);
    const path = request.url.replace(/^\/api\/plugin-proxy\/[^/]+/, '');
    const route = routes[`${request.method ?? 'GET'} ${path}`];
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
      return throwError(() => ({ status, statusText: 'Error', data: reply.data }));
    }
    return of({ status, data: reply.data, ok: true } as FetchResponse<unknown>);
  });
  return { fetch, requests };
}

/** Sets the signed-in user's org role in Grafana's boot data. */
export function setRole(config: unknown, orgRole: 'Viewer' | 'Editor' | 'Admin') {
  (config as { bootData: { user: object } }).bootData = { user: { orgRole, isGrafanaAdmin: false } };
}
