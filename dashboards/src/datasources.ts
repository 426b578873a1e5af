/**
 * Datasource references (uids from provisioning/grafana/datasources/modelwatch.yaml) and query
 * builders for them. The SDK ships typed builders for Prometheus but knows nothing of the
 * ModelWatch datasource, so its queries come from a small builder of our own that mirrors the
 * plugin's query model.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder as PrometheusQueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';

export const MODELWATCH = { type: 'modelwatch-mlops-datasource', uid: 'modelwatch' } as const satisfies common.DataSourceRef;
export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' } as const satisfies common.DataSourceRef;

/**
 * The ModelWatch datasource's query (datasource-plugin/src/types.ts `MwQuery`, owned by that
 * plugin; mirrored here because that file imports Grafana's frontend packages). The test checks
 * that every key and query type used here still exists there.
 */
export interface ModelWatchQuery {
  refId: string;
  queryType: 'kpi' | 'drift' | 'dataQuality' | 'experiment' | 'health' | 'jobs' | 'audit';
  model?: string;
  version?: string;
  arm?: string;
  kpi?:
    | 'ctr'
    | 'cvr'
    | 'latency_p50'
    | 'latency_p90'
    | 'latency_p99'
    | 'error_rate'
    | 'requests'
    | 'accuracy'
    | 'precision'
    | 'recall'
    | 'f1'
    | 'auc'
    | 'log_loss'
    | 'calibration_error'
    | 'label_coverage'
    | 'label_delay_mean';
  features?: string[];
  method?: 'psi' | 'ks' | 'jensen_shannon' | 'wasserstein' | 'chi_square';
  driftField?: 'score' | 'pValue' | 'drifted';
  dataQualityField?: 'table' | 'missingRate' | 'outOfRangeRate' | 'unseenRate' | 'typeErrorRate' | 'meanShiftSigmas';
  experimentId?: string;
  metric?: string;
  experimentField?: 'lift' | 'ci' | 'pValue' | 'chanceToWin';
  jobStatus?: string;
  auditType?: string;
}

/** A template variable query of the ModelWatch datasource (`MwVariableQuery`). */
export interface ModelWatchVariableQuery {
  refId: string;
  kind: 'models' | 'versions' | 'features' | 'experiments' | 'arms';
  model?: string;
  experimentId?: string;
}

/** cog.Builder for a ModelWatch query; what it builds is the plugin's JSON query model. */
class ModelWatchQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly query: ModelWatchQuery;

  constructor(query: ModelWatchQuery) {
    this.query = query;
  }

  build(): cog.Dataquery {
    // The marker method is how the SDK tags query variants; JSON.stringify drops it.
    return { datasource: { ...MODELWATCH }, ...this.query, _implementsDataqueryVariant() {} } as cog.Dataquery;
  }
}

export function modelwatch(query: ModelWatchQuery): cog.Builder<cog.Dataquery> {
  return new ModelWatchQueryBuilder(query);
}

/** A KPI of the dashboard's `$model` and `$version` (ModelWatch KPI query). */
export const modelKpi = (refId: string, kpiName: NonNullable<ModelWatchQuery['kpi']>): cog.Builder<cog.Dataquery> =>
  modelwatch({ refId, queryType: 'kpi', model: '$model', version: '$version', kpi: kpiName });

export interface PromOptions {
  legend?: string;
  /** Instant query as a table (for table panels). */
  table?: boolean;
  /** Instant query (for stat panels): the current value, not a range. */
  instant?: boolean;
}

export function prometheus(refId: string, expr: string, options: PromOptions = {}): PrometheusQueryBuilder {
  const query = new PrometheusQueryBuilder().datasource({ ...PROMETHEUS }).refId(refId).expr(expr);
  if (options.legend !== undefined) query.legendFormat(options.legend);
  if (options.table) query.instant().format(PromQueryFormat.Table);
  else if (options.instant) query.instant();
  else query.range();
  return query;
}
