// Named shapes of the ModelWatch HTTP API (docs/api.md) for the plugins, taken from the types that
// scripts/generate-plugin-api.ts generates from the backend's OpenAPI document (./openapi.ts).
import type { components, operations } from './openapi';
import type { Kpi } from './kpis';

type Schemas = components['schemas'];
/** The JSON body of an operation's reply (`operationId` as in the OpenAPI document). */
type Reply<Op extends keyof operations> = operations[Op]['responses'] extends {
  200: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
/** The JSON body an operation takes. */
type RequestBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : operations[Op] extends { requestBody?: { content: { 'application/json': infer Body } } }
    ? Body
    : never;

export type ApiErrorBody = Schemas['Error'];

export type Model = Schemas['Model'];
export type Feature = Model['features'][number];
export type FeatureType = Feature['type'];
export type ModelVersion = Schemas['ModelVersion'];
export type Aliases = Schemas['Aliases'];
export type AuditEntry = Schemas['AuditEntry'];

export type Action = Schemas['Action'];
export type ActionType = 'promote' | 'rollback' | 'retrain';
export type PromoteInput = RequestBody<'postApiV1ModelsModelActionsPromote'>;
export type RollbackInput = RequestBody<'postApiV1ModelsModelActionsRollback'>;
export type RetrainInput = RequestBody<'postApiV1ModelsModelActionsRetrain'>;

export type Experiment = Schemas['Experiment'];
export type ExperimentArm = Experiment['arms'][number];
export type StopDecision = RequestBody<'postApiV1ExperimentsIdStop'>['decision'];
export type StopExperimentReply = Reply<'postApiV1ExperimentsIdStop'>;

/**
 * One comparison of a treatment arm with the control (null for the control itself). The route
 * schema says `comparison: unknown`; these are the fields the backend fills and the plugins read.
 */
export interface Comparison {
  effect: number;
  difference: 'relative' | 'absolute';
  ci: [number, number];
  pValue: number;
  adjustedPValue?: number;
  significant: boolean;
  chanceToWin: number;
}
type GeneratedResults = Schemas['ExperimentResults'];
type GeneratedMetric = GeneratedResults['metrics'][number];
export type ArmResult = Omit<GeneratedMetric['arms'][number], 'comparison'> & { comparison: Comparison | null };
export type MetricResult = Omit<GeneratedMetric, 'arms'> & { arms: ArmResult[] };
export type ExperimentResults = Omit<GeneratedResults, 'metrics'> & { metrics: MetricResult[] };

export type Job = Schemas['Job'];
export type JobStatus = Job['status'];
export type JobLogLine = Schemas['JobLogLine'];
export type JobLogPage = Reply<'getApiV1JobsIdLogs'>;

export type PolicyDocument = Schemas['AlertPolicies'];
export type PolicyInput = RequestBody<'putApiV1Policies'>;
export type AlertDecision = Schemas['AlertDecision'];
export type DecisionOutcome = AlertDecision['outcome'];
export type Incident = Schemas['AlertIncident'];
/** An action waiting for approval: the decision, with the alert that caused it. */
export type PendingList = Reply<'getApiV1PoliciesPending'>;
export type PendingDecision = PendingList['pending'][number];

export type ModelList = Reply<'getApiV1Models'>;
export type VersionList = Reply<'getApiV1ModelsModelVersions'>;
export type AuditList = Reply<'getApiV1Audit'>;
export type ExperimentList = Reply<'getApiV1Experiments'>;
export type JobList = Reply<'getApiV1Jobs'>;
export type JobReply = Reply<'getApiV1JobsId'>;
export type IncidentList = Reply<'getApiV1Incidents'>;
export type DecisionReply = Reply<'postApiV1PoliciesPendingIdApprove'>;
export type ActionReply = Schemas['ActionReply'];
export type Healthz = Reply<'getHealthz'>;

// The KPI, drift and health routes declare no response schema yet, so the OpenAPI document has no
// type for them; these follow what the backend returns (backend/src/monitor: KpiSeries, DriftResult,
// ModelHealth) until the routes describe it.

/** [epoch ms, value]; null where a window had no traffic. */
export type Point = [number, number | null];

export interface KpiSeries {
  kpi: Kpi;
  version: string;
  /** '*' where the series spans all arms. */
  arm: string;
  points: Point[];
  /** Proportion KPIs only: [numerator, denominator] per point. */
  counts?: Array<[number, number]>;
  /** Proportion KPIs only: Wilson interval per point, null where undefined. */
  ci?: Array<[number, number] | null>;
}

export interface KpiResponse {
  from: number;
  to: number;
  step: number;
  series: KpiSeries[];
}

export const DRIFT_METHODS = ['psi', 'ks', 'jensen_shannon', 'wasserstein', 'chi_square'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

export interface DriftFeatureResult {
  feature: string;
  type: FeatureType;
  method: DriftMethod;
  score: number;
  /** Raw p-value (ks, chi_square). */
  pValue?: number;
  /** After the correction across features; the verdict uses this one. */
  adjustedPValue?: number;
  /** wasserstein only: the distance in the feature's units. */
  distance?: number;
  threshold: number;
  drifted: boolean;
  insufficientData?: boolean;
  n: { reference: number; current: number };
}

/** One time window: per-feature results plus the dataset verdict. */
export interface DriftWindow {
  /** Window start, epoch ms. */
  ts: number;
  from: string;
  to: string;
  count: number;
  features: DriftFeatureResult[];
  driftedFeatures: string[];
  driftShare: number;
  datasetDrifted: boolean;
}

/** Drift of one version's traffic against a reference profile. */
export interface VersionDrift {
  version: string;
  profile: { version: string; source: string; rows: number; createdAt: string } | null;
  /** Why there are no windows (e.g. no reference profile). */
  message?: string;
  windows: DriftWindow[];
}

export interface DriftResponse {
  from: number;
  to: number;
  step: number;
  versions: VersionDrift[];
}

export type HealthStatus = 'ok' | 'degraded' | 'failing';
type HealthKpi = 'ctr' | 'latency_p99' | 'error_rate';

export interface HealthReason {
  kpi: HealthKpi;
  condition: 'ctr_drop' | 'latency_p99_high' | 'error_rate_high';
  severity: 'degraded' | 'failing';
  message: string;
  value: number;
  threshold: number;
  since: string;
  /** ctr only. */
  baseline?: number;
  relativeDrop?: number;
}

export interface HealthCheck {
  kpi: HealthKpi;
  state: 'ok' | 'violating' | 'sustained' | 'no_data' | 'no_baseline' | 'disabled';
  value: number | null;
  threshold: number | null;
  violatingWindows: number;
  windowsWithData: number;
  baseline?: number | null;
}

export interface ModelHealth {
  score: number;
  status: HealthStatus;
  reasons: HealthReason[];
  checks: HealthCheck[];
  evaluatedAt: string;
  window: { from: string; to: string };
  scope: { version: string | null };
}
