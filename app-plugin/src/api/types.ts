// Shapes of the ModelWatch HTTP API (docs: API.md) that the app reads and writes.

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export type FeatureType = 'numeric' | 'categorical';

export interface Feature {
  name: string;
  type: FeatureType;
}

export interface Model {
  name: string;
  task: string;
  features: Feature[];
  description?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface ModelVersion {
  version: string;
  createdAt?: string;
  createdBy?: string;
  description?: string | null;
  metrics?: Record<string, unknown>;
  aliases?: string[];
  validation?: { status: string; details?: Record<string, unknown> };
}

export const KPIS = ['ctr', 'cvr', 'latency_p50', 'latency_p90', 'latency_p99', 'error_rate', 'requests'] as const;
export type Kpi = (typeof KPIS)[number];

/** [epoch ms, value]; null where a window had no traffic. */
export type Point = [number, number | null];

export interface KpiSeries {
  kpi: Kpi;
  version: string;
  arm?: string | null;
  points: Point[];
}

export interface KpiResponse {
  series: KpiSeries[];
}

export const DRIFT_METHODS = ['psi', 'ks', 'jensen_shannon', 'wasserstein', 'chi_square'] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

export interface DriftFeatureResult {
  feature: string;
  type?: FeatureType;
  method: string;
  score: number;
  /** Raw p-value (ks, chi_square). */
  pValue?: number | null;
  /** After the correction across features; the verdict uses this one. */
  adjustedPValue?: number | null;
  threshold?: number;
  drifted: boolean;
  insufficientData?: boolean;
}

/** One time window: per-feature results plus the dataset verdict. */
export interface DriftWindow {
  /** Window start, epoch ms. */
  ts: number;
  from?: string;
  to?: string;
  count?: number;
  features: DriftFeatureResult[];
  driftShare: number;
  datasetDrifted: boolean;
}

/** Drift of one version's traffic against a reference profile. */
export interface VersionDrift {
  version: string;
  profile?: { version: string; source: string; rows: number; createdAt: string } | null;
  /** Why there are no windows (e.g. no reference profile). */
  message?: string;
  windows: DriftWindow[];
}

export interface DriftResponse {
  from?: number;
  to?: number;
  step?: number;
  versions: VersionDrift[];
}

export type HealthStatus = 'ok' | 'degraded' | 'failing';

export interface ModelHealth {
  score: number;
  status: HealthStatus;
  reasons: Array<string | { code?: string; message: string }>;
}

export interface ExperimentArm {
  name: string;
  version: string;
  weight: number;
}

export interface Experiment {
  id: string;
  model: string;
  arms: ExperimentArm[];
  primaryMetric: string;
  status: 'running' | 'stopped';
  startedAt?: string;
  stoppedAt?: string | null;
  decision?: StopDecision | null;
  stopReason?: string | null;
  sequential?: boolean;
}

/** One comparison of a treatment arm with the control (null for the control itself). */
export interface Comparison {
  effect: number;
  difference: 'relative' | 'absolute';
  ci: [number, number];
  pValue: number;
  adjustedPValue?: number;
  significant: boolean;
  chanceToWin: number;
}

export interface ArmResult {
  arm: string;
  version: string;
  n: number;
  sum?: number;
  mean: number | null;
  comparison: Comparison | null;
}

export interface MetricResult {
  metric: string;
  role?: 'primary' | 'guardrail' | 'secondary';
  kind?: 'proportion' | 'mean';
  arms: ArmResult[];
}

export interface ExperimentResults {
  experimentId: string;
  model: string;
  metrics: MetricResult[];
  srm: { counts?: number[]; expected?: number[]; pValue: number; mismatch: boolean };
  decision: {
    recommendation: 'promote' | 'rollback' | 'keep_running' | 'inconclusive';
    reasons: string[];
    winner: { arm: string; version: string } | null;
  };
  notes?: string[];
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  type?: string;
  model?: string | null;
  status: JobStatus;
  progress: number;
  runner?: string | null;
  message?: string | null;
  createdAt?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  producedVersion?: string | null;
  error?: string | null;
}

export interface AuditEntry {
  id: string;
  type: string;
  status: string;
  model: string | null;
  actor: string;
  reason: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  jobId: string | null;
  details?: Record<string, unknown>;
  createdAt: string;
}

export interface Aliases {
  champion?: string | null;
  challenger?: string | null;
}

export type ActionType = 'promote' | 'rollback' | 'retrain';

/** An action as the backend records it (also an audit entry). */
export interface Action {
  id: string;
  type: string;
  status: string;
  model: string;
  fromVersion?: string | null;
  toVersion?: string | null;
  jobId?: string | null;
  actor: string;
  reason: string | null;
  createdAt: string;
}

export interface PromoteInput {
  version?: string;
  reason: string;
}

export interface RollbackInput {
  toVersion?: string;
  reason: string;
}

export interface RetrainInput {
  reason: string;
  runner?: string;
  gpus?: number;
  params?: Record<string, unknown>;
}

export type StopDecision = 'promote' | 'rollback' | 'none';

export interface JobDetail extends Job {
  metrics?: Record<string, number>;
}

export interface JobLogLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

export interface JobLogPage {
  logs: JobLogLine[];
  /** Pass as `after` to get the following lines. */
  next: number;
  done: boolean;
  status: JobStatus;
}

/** The alert policy document: GET returns all fields, PUT takes dryRun, maxActionsPerHour, policies. */
export interface PolicyDocument {
  dryRun: boolean;
  maxActionsPerHour: number;
  policies: unknown[];
  isDefault?: boolean;
  updatedAt?: string | null;
  updatedBy?: string | null;
}

export type DecisionOutcome =
  'acting' | 'acted' | 'failed' | 'dry_run' | 'pending' | 'rejected' | 'cooldown' | 'rate_limited' | 'ignored';

/** What a policy decided for one alert. */
export interface AlertDecision {
  id: string;
  incidentId: string;
  model: string | null;
  action: 'retrain' | 'rollback' | 'stop_experiment' | 'none';
  policy: string | null;
  mode: 'auto' | 'dry_run' | 'approval';
  outcome: DecisionOutcome;
  reason: string;
  createdAt: string;
  decidedBy: string | null;
  actionId: string | null;
  jobId: string | null;
  error: string | null;
}

/** One alert instance as the backend received it, with its latest decision. */
export interface Incident {
  id: string;
  source: string;
  alertname: string;
  model: string | null;
  severity: string | null;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  startsAt: string;
  deliveries: number;
  decision: AlertDecision | null;
}

/** An action waiting for approval: the decision, with the alert that caused it. */
export type PendingDecision = AlertDecision & { incident: Incident };
