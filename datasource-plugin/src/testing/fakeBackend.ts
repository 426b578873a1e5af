import { BackendSrvRequest, FetchResponse } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

export type Reply = { status?: number; data: unknown };
export type Handler = (request: BackendSrvRequest) => Reply;

/**
 * A stand-in for getBackendSrv().fetch: routes by the path after the datasource proxy prefix,
 * records every request, and fails like Grafana does (an object with status and data).
 */
export function fakeFetch(routes: Record<string, Reply | Handler>) {
  const requests: BackendSrvRequest[] = [];
  const fetch = jest.fn((request: BackendSrvRequest): Observable<FetchResponse<unknown>> => {
    requests.push(request);
    const path = request.url.replace(/^\/api\/datasources\/proxy\/uid\/[^/]+\/modelwatch/, '');
    const route = routes[path];
    if (!route) {
      return throwError(() => ({
        status: 404,
        statusText: 'Not Found',
        data: { error: { code: 'not_found', message: `no route ${path}` } },
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
