/**
 * A BackendSrv over the browser's fetch, as Grafana's frontend provides one to plugins: requests
 * go to the same origin (the proxy emulator), errors reject with {status, statusText, data}.
 */
import { Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchResponse } from '@grafana/runtime';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly data: unknown,
    readonly config: BackendSrvRequest
  ) {
    super(`${status} ${statusText}`);
  }
}

function buildUrl(options: BackendSrvRequest): string {
  const url = new URL(options.url, window.location.origin);
  for (const [k, v] of Object.entries(options.params ?? {})) {
    if (v !== undefined && v !== null) {
      url.searchParams.append(k, String(v));
    }
  }
  return url.toString();
}

async function doFetch<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined) {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    // Case-insensitive, as Grafana's BackendSrv (a panel action sends its own Content-Type).
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const res = await fetch(buildUrl(options), { method: options.method ?? 'GET', headers, body });
  const text = await res.text();
  let data: unknown = text;
  if (options.responseType !== 'text' && text && (res.headers.get('content-type') ?? '').includes('json')) {
    data = JSON.parse(text);
  }
  if (!res.ok) {
    throw new HttpError(res.status, res.statusText, data, options);
  }
  return {
    data: data as T,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    url: res.url,
    type: res.type,
    redirected: res.redirected,
    config: options,
  };
}

export const backendSrv = {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable((subscriber) => {
      doFetch<T>(options).then(
        (r) => {
          subscriber.next(r);
          subscriber.complete();
        },
        (e) => subscriber.error(e)
      );
    });
  },
  datasourceRequest: <T,>(options: BackendSrvRequest) => doFetch<T>(options),
  request: async <T,>(options: BackendSrvRequest) => (await doFetch<T>(options)).data,
  get: async <T,>(url: string, params?: BackendSrvRequest['params']) => (await doFetch<T>({ url, params })).data,
  delete: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'DELETE', data })).data,
  post: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'POST', data })).data,
  put: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'PUT', data })).data,
  patch: async <T,>(url: string, data?: unknown) => (await doFetch<T>({ url, method: 'PATCH', data })).data,
  resolveCancelerIfExists: () => {},
} as unknown as BackendSrv;
