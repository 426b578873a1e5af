import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import type { DriftMethod, JobStatus, Kpi } from '@modelwatch/plugin-api';

export const QUERY_TYPES = ['kpi', 'drift', 'dataQuality', 'experiment', 'health', 'jobs', 'audit'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const DRIFT_FIELDS = ['score', 'pValue', 'drifted'] as const;
export type DriftField = (typeof DRIFT_FIELDS)[number];

/** Data quality: the table over the range, or one of its per-feature values as series over time. */
export const DATA_QUALITY_FIELDS = [
  'table',
  'missingRate',
  'outOfRangeRate',
  'unseenRate',
  'typeErrorRate',
  'meanShiftSigmas',
] as const;
export type DataQualityField = (typeof DATA_QUALITY_FIELDS)[number];

export const EXPERIMENT_FIELDS = ['lift', 'ci', 'pValue', 'chanceToWin'] as const;
export type ExperimentField = (typeof EXPERIMENT_FIELDS)[number];

/** One ModelWatch query. Which fields matter depends on `queryType`; all strings take template variables. */
export interface MwQuery extends DataQuery {
  queryType?: QueryType;
  model?: string;
  /** KPI, drift and data quality: one version, or empty for all versions. */
  version?: string;
  arm?: string;
  kpi?: Kpi;
  /** Drift and data quality: features to show; empty means all. */
  features?: string[];
  method?: DriftMethod;
  driftField?: DriftField;
  dataQualityField?: DataQualityField;
  experimentId?: string;
  metric?: string;
  experimentField?: ExperimentField;
  jobStatus?: JobStatus;
  /** Audit: only entries of this type (e.g. rollback). */
  auditType?: string;
}

export const DEFAULT_QUERY: Partial<MwQuery> = {
  queryType: 'kpi',
  kpi: 'ctr',
  driftField: 'score',
  experimentField: 'lift',
};

export const QUERY_TYPE_LABELS: Record<QueryType, string> = {
  kpi: 'KPI',
  drift: 'Drift',
  dataQuality: 'Data quality',
  experiment: 'Experiment',
  health: 'Health',
  jobs: 'Jobs',
  audit: 'Audit',
};

export const DRIFT_FIELD_LABELS: Record<DriftField, string> = {
  score: 'Score',
  pValue: 'p-value',
  drifted: 'Drifted (0/1)',
};

export const DATA_QUALITY_FIELD_LABELS: Record<DataQualityField, string> = {
  table: 'Table (whole range)',
  missingRate: 'Missing rate',
  outOfRangeRate: 'Out-of-range rate',
  unseenRate: 'Unseen-category rate',
  typeErrorRate: 'Type-error rate',
  meanShiftSigmas: 'Mean shift (σ)',
};

export const EXPERIMENT_FIELD_LABELS: Record<ExperimentField, string> = {
  lift: 'Lift',
  ci: 'Confidence interval',
  pValue: 'p-value',
  chanceToWin: 'Chance to win',
};

/** Options stored in the datasource's jsonData. */
export interface MwDataSourceOptions extends DataSourceJsonData {
  /** Backend URL as Grafana's server reaches it, e.g. http://modelwatch:8080 */
  url?: string;
}

export const DEFAULT_VARIABLE_QUERY: Omit<MwVariableQuery, 'refId'> = { kind: 'models' };

/** Secrets: written by the config editor, never sent back to the browser. */
export interface MwSecureJsonData {
  apiToken?: string;
}

export const VARIABLE_KINDS = ['models', 'versions', 'features', 'experiments', 'arms'] as const;
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/** Query of a template variable: what to list, and for which model. */
export interface MwVariableQuery extends DataQuery {
  kind: VariableKind;
  model?: string;
  /** arms: the experiment whose arms to list. */
  experimentId?: string;
}
