// Named shapes of the ModelWatch HTTP API (docs/api.md) for the plugins, taken from the types that
// scripts/generate-plugin-api.ts generates from the backend's OpenAPI document (./openapi.ts).
import type { components, operations } from './openapi';

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

export type Comparison = Schemas['Comparison'];
export type ArmResult = Schemas['ArmMetric'];
export type MetricResult = Schemas['MetricResult'];
export type ArmGuardrail = Schemas['ArmGuardrail'];
export type ExperimentResults = Schemas['ExperimentResults'];

/** A shadow release: a version scoring the champion's requests unserved, compared live (GET /api/v1/models/{model}/shadow). */
export type ShadowStatus = Schemas['ShadowStatus'];
export type Shadow = Schemas['Shadow'];
export type ShadowComparison = Schemas['ShadowComparison'];
export type ShadowSide = Schemas['ShadowSide'];
export type StartShadowInput = RequestBody<'postApiV1ModelsModelShadow'>;

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

export type KpiSeries = Schemas['KpiSeries'];
/** [epoch ms, value]; null where a window had no traffic. */
export type Point = KpiSeries['points'][number];
export type KpiResponse = Schemas['KpiSeriesReply'];

export type DataQualityResponse = Schemas['DataQualityReply'];
export type VersionDataQuality = Schemas['VersionDataQuality'];
export type FeatureQuality = Schemas['FeatureQuality'];
export type DataQualityWindow = Schemas['DataQualityWindow'];

export type DriftResponse = Schemas['DriftReply'];
export type VersionDrift = Schemas['VersionDrift'];
export type DriftWindow = Schemas['DriftWindow'];
export type DriftFeatureResult = Schemas['DriftFeatureResult'];
export type DriftMethod = DriftFeatureResult['method'];
// A record, not a list, so that a method the backend adds or drops fails this file's type check.
const DRIFT_METHOD_SET: Record<DriftMethod, true> = { psi: true, ks: true, jensen_shannon: true, wasserstein: true, chi_square: true };
export const DRIFT_METHODS = Object.keys(DRIFT_METHOD_SET) as DriftMethod[];

export type ModelHealth = Schemas['ModelHealth'];
/** Scheduled and data-volume retrains of a model (GET /api/v1/models/{model}/retrain-triggers). */
export type RetrainTriggers = Schemas['RetrainTriggers'];
export type HealthStatus = ModelHealth['status'];
export type HealthReason = Schemas['HealthReason'];
export type HealthCheck = Schemas['HealthCheck'];
export type VersionProfile = Schemas['VersionProfile'];
