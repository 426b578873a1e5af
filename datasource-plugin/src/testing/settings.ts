import { DataQueryRequest, DataSourceInstanceSettings, dateTime, PluginType } from '@grafana/data';
import type { MwDataSourceOptions, MwQuery } from '../types';

export function instanceSettings(jsonData: MwDataSourceOptions = { url: 'http://modelwatch:8080' }) {
  return {
    id: 1,
    uid: 'mw-uid',
    type: 'modelwatch-mlops-datasource',
    name: 'ModelWatch',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'modelwatch-mlops-datasource', name: 'ModelWatch', type: PluginType.datasource } as never,
  } as unknown as DataSourceInstanceSettings<MwDataSourceOptions>;
}

export function queryRequest(
  targets: MwQuery[],
  overrides: Partial<DataQueryRequest<MwQuery>> = {}
): DataQueryRequest<MwQuery> {
  const from = dateTime(1_700_000_000_000);
  const to = dateTime(1_700_003_600_000);
  return {
    requestId: 'r1',
    interval: '1m',
    intervalMs: 60_000,
    range: { from, to, raw: { from: 'now-1h', to: 'now' } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
    ...overrides,
  } as DataQueryRequest<MwQuery>;
}
