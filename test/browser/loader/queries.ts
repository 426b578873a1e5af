/**
 * Query requests as Grafana's query runner builds them, run through the built datasource (its
 * `query` may return an Observable or a Promise, as DataSourceApi allows both).
 */
import { lastValueFrom, isObservable } from 'rxjs';
import { dateTime, type DataFrame, type DataQuery, type DataQueryRequest, type DataSourceApi } from '@grafana/data';

export interface Range {
  from: number;
  to: number;
}

export function queryRequest(range: Range, targets: DataQuery[], app = 'dashboard'): DataQueryRequest {
  const timeRange = { from: dateTime(range.from), to: dateTime(range.to), raw: { from: 'now-6h', to: 'now' } };
  return { requestId: 'loader', interval: '1m', intervalMs: 60_000, range: timeRange, scopedVars: {}, targets, timezone: 'utc', app, startTime: Date.now() } as DataQueryRequest;
}

export async function runQuery(ds: DataSourceApi, request: DataQueryRequest): Promise<{ data: DataFrame[]; errors: string[] }> {
  const result = ds.query(request);
  const response = await (isObservable(result) ? lastValueFrom(result) : result);
  const errors = [...(response.errors ?? []), ...(response.error ? [response.error] : [])];
  return { data: response.data as DataFrame[], errors: [...new Set(errors.map((e) => e.message ?? '?'))] };
}
