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
  metrics?: Record<string, number>;
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
  method: string;
  score: number;
  pValue?: number | null;
  drifted: boolean;
}

/** One time window of a drift query: per-feature results plus the dataset verdict. */
export interface DriftWindow {
  /** Window start, epoch ms (older backends may send `ts`). */
  start?: number;
  ts?: number;
  end?: number;
  features: DriftFeatureResult[];
  driftShare: number;
  datasetDrifted: boolean;
}

export interface DriftResponse {
  windows: DriftWindow[];
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
  sequential?: boolean;
  guardrails?: unknown[];
  stoppedAt?: string | null;
  decision?: string | null;
  id: string;
  model: string;
  arms: ExperimentArm[];
  primaryMetric: string;
  status?: string;
  createdAt?: string;
}

/** Result for one arm of one metric; effect, CI, p-value and chance to win compare it to control. */
export interface ArmResult {
  arm: string;
  version?: string;
  n: number;
  value: number | null;
  effect?: number | null;
  ci?: [number, number] | null;
  pValue?: number | null;
  chanceToWin?: number | null;
  significant?: boolean;
}

export interface MetricResult {
  metric: string;
  arms: ArmResult[];
}

export interface ExperimentResults {
  id: string;
  metrics: MetricResult[];
  srm?: { pValue: number; mismatch: boolean };
  recommendation?: { decision: string; reason?: string };
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  type?: string;
  model?: string | null;
  status: JobStatus;
  progress: number;
  runner?: string;
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
  reason: string;
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

/** Policies are edited as JSON; the app does not interpret them beyond parsing. */
export type PolicyDocument = Record<string, unknown>;

/** A test alert for a policy dry run: the labels a real alert would carry. */
export interface DryRunAlert {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
}

export interface DryRunDecision {
  alert?: Record<string, string>;
  action?: string | null;
  model?: string | null;
  outcome: string;
  reason?: string;
}

export interface DryRunResult {
  decisions: DryRunDecision[];
}
