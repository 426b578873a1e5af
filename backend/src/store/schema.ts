import type { Generated } from 'kysely';
import type {
  PredictionsTable,
  OutcomesTable,
  RollupsTable,
  ReferenceProfilesTable,
  IngestBatchesTable,
  MonitorPendingTable,
  FeatureLayoutsTable,
  MonitorInstancesTable,
  OutcomeParkingTable,
  OutcomeParkingTotalsTable,
  UnitBucketsTable,
  UnitExposuresTable,
  UnitArrivalsTable,
} from './monitor-tables.ts';
import type { ShadowPairsTable, ShadowsTable } from './shadow-tables.ts';

/**
 * Tables, as Kysely sees them. Portable types only: text, integer, bigint (epoch ms),
 * double precision; JSON is stored as text; booleans as 0/1 integers. Each area adds its
 * tables here and a migration in ./migrations.
 */
export interface TokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** JSON list of the models an ingest token may write to; null: any (0600_token_scopes). */
  models: string | null;
  /** `env`: registered from MODELWATCH_ADMIN_TOKEN; null: created through the API or CLI. */
  origin: string | null;
}

export interface ModelsTable {
  name: string;
  task: string;
  /** JSON: [{name, type}] in declared order. */
  features: string;
  description: string | null;
  /** JSON: per-model settings (drift thresholds, health rules, ...). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface AuditTable {
  seq: Generated<number>;
  id: string;
  created_at: number;
  /** What happened: model.created, promote, rollback, retrain, webhook.received, ... */
  type: string;
  status: string;
  model: string | null;
  actor: string;
  reason: string | null;
  from_version: string | null;
  to_version: string | null;
  job_id: string | null;
  /** JSON with anything specific to the type. */
  details: string;
}

// ---- registry, serving, actions (0200)

export interface ModelVersionsTable {
  model: string;
  version: string;
  /** Registration order within the model (auto-numbering v1, v2, ...). */
  seq: number;
  artifact_sha256: string;
  artifact_bytes: number;
  /** JSON: the input plan found at registration (registry/onnx-inspect.ts). */
  input_schema: string;
  metrics: string;
  /** JSON: {parentVersion?, jobId?, dataWindow?}. */
  lineage: string;
  /** none | pending | passed | failed (the retrain validation gate). */
  validation: string;
  validation_details: string;
  has_profile: number;
  description: string | null;
  created_by: string;
  created_at: number;
}

/** An object of the PostgreSQL object storage (store/postgres-object-storage.ts), bytes in stored_object_chunks. */
export interface StoredObjectsTable {
  key: string;
  /** The chunks' owner: a new one per write, so a replaced object's chunks never mix with the new ones. */
  object_id: string;
  size_bytes: number;
  chunks: number;
  created_at: number;
}

export interface StoredObjectChunksTable {
  object_id: string;
  seq: number;
  bytes: Uint8Array;
}

export interface ModelAliasesTable {
  model: string;
  /** champion | challenger */
  alias: string;
  version: string;
  action_id: string | null;
  updated_at: number;
}

export interface AliasHistoryTable {
  seq: Generated<number>;
  model: string;
  alias: string;
  /** null when the alias was cleared. */
  version: string | null;
  previous_version: string | null;
  /** promote | rollback | set | clear */
  type: string;
  action_id: string | null;
  actor: string;
  reason: string | null;
  created_at: number;
}

export interface ActionsTable {
  id: string;
  model: string;
  type: string;
  /** running | succeeded | failed */
  status: string;
  from_version: string | null;
  to_version: string | null;
  job_id: string | null;
  actor: string;
  reason: string | null;
  idempotency_key: string | null;
  details: string;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyKeysTable {
  /** Who used the key (the actor's name): keys of different callers never collide. */
  scope: string;
  key: string;
  /** JSON {type, model}: what the key was first used for. */
  request: string;
  action_id: string | null;
  /** JSON of the first reply; null while that first request is still running. */
  response: string | null;
  created_at: number;
}

/** One alert instance (source, group key, fingerprint, startsAt), see alerts/. */
export interface AlertIncidentsTable {
  id: string;
  /** SHA-256 of source, group key, fingerprint and startsAt: a repeated delivery finds this row. */
  instance_key: string;
  source: string;
  receiver: string | null;
  group_key: string;
  fingerprint: string;
  alertname: string;
  model: string | null;
  severity: string | null;
  /** firing | resolved */
  status: string;
  /** JSON */
  labels: string;
  /** JSON */
  annotations: string;
  starts_at: number;
  ends_at: number | null;
  deliveries: number;
  created_at: number;
  updated_at: number;
}

/** What the policies decided for a firing alert instance (and, for approvals, who decided). */
export interface AlertDecisionsTable {
  id: string;
  incident_id: string;
  created_at: number;
  model: string | null;
  /** retrain | rollback | stop_experiment | none */
  action: string;
  policy: string | null;
  /** auto | dry_run | approval */
  mode: string;
  /** acting | acted | failed | dry_run | pending | rejected | cooldown | rate_limited | ignored */
  outcome: string;
  reason: string;
  acted_at: number | null;
  decided_by: string | null;
  decided_at: number | null;
  /** JSON: {actionId?, jobId?, status?, error?} */
  result: string;
  /** The credential that sent the alert: token id or `hmac` (0501_alert_sender). */
  sender: string | null;
}

/** The policy document (one row, id "current"); absent means the default policy. */
export interface AlertPoliciesTable {
  id: string;
  /** JSON */
  document: string;
  updated_at: number;
  updated_by: string;
}

// ---- jobs (0400)

/** One job: the queue entry and the record (jobs/job-store.ts). */
export interface JobsTable {
  id: string;
  /** retrain (or another registered handler type). */
  type: string;
  model: string | null;
  /** queued | running | succeeded | failed | cancelled */
  state: string;
  runner: string | null;
  /** JSON: the job's input (params, window, label, ...). */
  input: string;
  gpus: number;
  /** JSON array of the GPU indices assigned while running. */
  gpu_indices: string | null;
  actor: string;
  reason: string | null;
  action_id: string | null;
  progress: number;
  message: string | null;
  /** JSON: latest metrics reported (finite numbers). */
  metrics: string;
  /** JSON: what the job produced (dataset manifest, validation, ...). */
  result: string;
  produced_version: string | null;
  error: string | null;
  attempts: number;
  max_attempts: number;
  timeout_ms: number;
  /** Not claimed before this time (retry backoff). */
  run_after: number;
  worker: string | null;
  heartbeat_at: number | null;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobLogsTable {
  seq: Generated<number>;
  job_id: string;
  ts: number;
  /** stdout | stderr | system */
  stream: string;
  line: string;
}

// ---- experiments (0300)

export interface ExperimentsTable {
  id: string;
  model: string;
  /** running | stopped */
  status: string;
  primary_metric: string;
  /** JSON: [{name, version, weight}] with normalised weights; arm 0 is the control. */
  arms: string;
  /** JSON: assignment.ts Allocation (bucket ranges per arm). */
  allocation: string;
  salt: string;
  /** JSON: guardrails, secondary metrics, sequential, alpha, sample sizes, autoDecide, ... */
  settings: string;
  /** JSON: [{at, weights}] every split the experiment ran with (SRM expects per period). */
  weight_history: string;
  description: string | null;
  created_by: string;
  started_at: number;
  stopped_at: number | null;
  stopped_by: string | null;
  /** promote | rollback | none, once stopped. */
  decision: string | null;
  stop_reason: string | null;
  /** JSON: the results at the time of the stop. */
  final_results: string | null;
  created_at: number;
  updated_at: number;
}

/** A control loop's lease (store/leases.ts); times in ms since the epoch, wall clock. */
export interface LeasesTable {
  name: string;
  holder: string;
  acquired_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export type * from './monitor-tables.ts';

export interface Database {
  tokens: TokensTable;
  models: ModelsTable;
  audit: AuditTable;
  predictions: PredictionsTable;
  outcomes: OutcomesTable;
  rollups: RollupsTable;
  reference_profiles: ReferenceProfilesTable;
  ingest_batches: IngestBatchesTable;
  monitor_pending: MonitorPendingTable;
  feature_layouts: FeatureLayoutsTable;
  monitor_instances: MonitorInstancesTable;
  outcome_parking: OutcomeParkingTable;
  outcome_parking_totals: OutcomeParkingTotalsTable;
  unit_buckets: UnitBucketsTable;
  unit_exposures: UnitExposuresTable;
  unit_arrivals: UnitArrivalsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  stored_objects: StoredObjectsTable;
  stored_object_chunks: StoredObjectChunksTable;
  alias_history: AliasHistoryTable;
  actions: ActionsTable;
  idempotency_keys: IdempotencyKeysTable;
  alert_incidents: AlertIncidentsTable;
  alert_decisions: AlertDecisionsTable;
  alert_policies: AlertPoliciesTable;
  experiments: ExperimentsTable;
  jobs: JobsTable;
  job_logs: JobLogsTable;
  leases: LeasesTable;
  shadows: ShadowsTable;
  shadow_pairs: ShadowPairsTable;
}
