import {
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  MetricFindValue,
  ScopedVars,
  TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import type { ApiClient, TimeWindow } from '@modelwatch/plugin-api';
import { datasourceClient, describeError } from './api/client';
import { runQuery } from './query';
import { testConnection } from './testConnection';
import { DEFAULT_QUERY, MwDataSourceOptions, MwQuery, MwVariableQuery } from './types';
import { findVariableValues, MwVariableSupport } from './variables';

/** Splits an interpolated multi-value string ("a,b" or "{a,b}") into values. */
export function splitValues(value: string): string[] {
  return value
    .replace(/^\{(.*)\}$/, '$1')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export class DataSource extends DataSourceApi<MwQuery, MwDataSourceOptions> {
  readonly api: ApiClient;
  readonly backendUrl?: string;

  constructor(instanceSettings: DataSourceInstanceSettings<MwDataSourceOptions>) {
    super(instanceSettings);
    this.api = datasourceClient(instanceSettings.uid);
    this.backendUrl = instanceSettings.jsonData?.url;
    this.variables = new MwVariableSupport(this);
    // Annotations come from the audit log: deployments, rollbacks, retrains, alerts.
    this.annotations = {
      getDefaultQuery: () => ({ queryType: 'audit' }),
      prepareQuery: (anno) =>
        anno.target ? { ...anno.target, queryType: anno.target.queryType ?? 'audit' } : undefined,
    };
  }

  getDefaultQuery(_: CoreApp): Partial<MwQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: MwQuery): boolean {
    if (query.hide) {
      return false;
    }
    switch (query.queryType ?? 'kpi') {
      case 'kpi':
      case 'drift':
      case 'dataQuality':
        return Boolean(query.model);
      case 'experiment':
        return Boolean(query.experimentId);
      default:
        return true;
    }
  }

  /** Replaces template variables in every string of the query; features may be multi-value. */
  applyTemplateVariables(query: MwQuery, scopedVars: ScopedVars): MwQuery {
    const srv = getTemplateSrv();
    const text = (value?: string) => (value ? srv.replace(value, scopedVars, 'csv') : value);
    return {
      ...query,
      model: text(query.model),
      version: text(query.version),
      arm: text(query.arm),
      experimentId: text(query.experimentId),
      metric: text(query.metric),
      auditType: text(query.auditType),
      features: query.features?.flatMap((f) => splitValues(srv.replace(f, scopedVars, 'csv'))),
    };
  }

  /**
   * What Explore ("Explore" from a panel), query-library copies and mixed-datasource panels call
   * before leaving the dashboard; without it they run with a literal `$model`.
   */
  interpolateVariablesInQueries(queries: MwQuery[], scopedVars: ScopedVars): MwQuery[] {
    return queries.map((query) => ({ ...this.applyTemplateVariables(query, scopedVars), datasource: this.getRef() }));
  }

  async query(request: DataQueryRequest<MwQuery>): Promise<DataQueryResponse> {
    const window: TimeWindow = {
      from: request.range.from.valueOf(),
      to: request.range.to.valueOf(),
      // One point per panel interval ($__interval), so a wide range stays light.
      step: Math.max(request.intervalMs ?? 60_000, 1000),
    };
    // Filtered again after interpolation: a variable with no value (no experiments yet) leaves
    // the field empty, and the query would only ask for /experiments//results.
    const targets = request.targets
      .filter((t) => this.filterQuery(t))
      .map((t) => this.applyTemplateVariables(t, request.scopedVars))
      .filter((t) => this.filterQuery(t));
    const results = await Promise.all(
      targets.map(async (target) => {
        try {
          return { frames: await runQuery(this.api, target, window) };
        } catch (err) {
          return { frames: [] as DataFrame[], error: { refId: target.refId, message: describeError(err) } };
        }
      })
    );
    const errors = results.flatMap((r) => (r.error ? [r.error] : []));
    return { data: results.flatMap((r) => r.frames), ...(errors.length ? { errors } : {}) };
  }

  async metricFindQuery(
    query: MwVariableQuery | string,
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const parsed = typeof query === 'string' ? parseVariableString(query) : query;
    return findVariableValues(this.api, parsed, (v) => getTemplateSrv().replace(v, options?.scopedVars));
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    return testConnection(this.api, this.backendUrl);
  }
}

/** Legacy string form: `models`, `versions(<model>)`, `features(<model>)`, `experiments`, `arms(<experiment>)`. */
export function parseVariableString(query: string): Omit<MwVariableQuery, 'refId'> {
  const match = /^\s*(models|versions|features|experiments|arms)\s*(?:\(\s*([^)]*?)\s*\))?\s*$/.exec(query);
  if (!match) {
    return { kind: 'models' };
  }
  const kind = match[1] as MwVariableQuery['kind'];
  const arg = match[2] || undefined;
  return kind === 'arms' ? { kind, experimentId: arg } : { kind, model: arg };
}
