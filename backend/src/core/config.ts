import path from 'node:path';
import { z } from 'zod';
import { formatDays, parseDuration } from './duration.ts';

/**
 * The one parser of the service's MODELWATCH_* environment variables, with their defaults
 * (documented in the README, docs/operations.md and docs/jobs.md). Each area gets its
 * section of the `Config` from the composition root. Not read here: the CLI client's
 * MODELWATCH_URL / MODELWATCH_TOKEN (cli/api-client.ts, not the service's), the test tooling's
 * MODELWATCH_TEST_*, and the crash failpoint of the reliability tests (actions/failpoint.ts).
 */

const onOff = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);
const milliseconds = (max: number) => z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).max(max);
const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 90s, 5m, 2h or milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const serverVariables = {
  MODELWATCH_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(8080),
  MODELWATCH_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  MODELWATCH_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  MODELWATCH_DATABASE_URL: z
    .string()
    .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must start with postgres:// or postgresql:// (leave unset for SQLite)')
    .optional(),
  MODELWATCH_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MODELWATCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MODELWATCH_METRICS_TOKEN: z.string().min(1).optional(),
  MODELWATCH_WEBHOOK_SECRET: z.string().min(1).optional(),
  MODELWATCH_METRICS_CACHE_MS: milliseconds(3_600_000).default(15_000),
  MODELWATCH_AUTO_DECIDE_INTERVAL_MS: milliseconds(86_400_000).default(30_000),
  MODELWATCH_RESULTS_CACHE_MS: milliseconds(3_600_000).default(60_000),
  /** The control loops' lease period (store/leases.ts): another replica takes a dead holder's loop over within it. */
  MODELWATCH_LEASE_MS: int(100, 3_600_000).default(10_000),
  MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT: z.coerce
    .number({ error: 'must be a percentage' })
    .min(0, 'must be between 0 and 100')
    .max(100, 'must be between 0 and 100')
    .default(50),
  MODELWATCH_MAX_BODY_MB: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(64),
};

/** Where artifacts and job outputs are kept (store/object-storage.ts; docs/operations.md). */
const storageVariables = {
  /** disk | postgres | s3; default: s3 when MODELWATCH_S3_BUCKET is set, else postgres on PostgreSQL, else disk. */
  MODELWATCH_ARTIFACT_STORAGE: z.enum(['disk', 'postgres', 's3']).optional(),
  MODELWATCH_S3_BUCKET: z.string().min(1).optional(),
  /** An S3-compatible server's URL (MinIO, Ceph, ...); unset: AWS. */
  MODELWATCH_S3_ENDPOINT: z.url('must be a URL like http://minio:9000').optional(),
  MODELWATCH_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Both or neither; neither: the AWS SDK's default credential chain (AWS_* variables, profile, instance role). */
  MODELWATCH_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MODELWATCH_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  MODELWATCH_S3_FORCE_PATH_STYLE: onOff.default(false),
  /** Put before every object key, e.g. `modelwatch/`. */
  MODELWATCH_S3_PREFIX: z.string().default(''),
};

/** Serving, registry and action settings; defaults chosen from bench/serving measurements. */
const servingVariables = {
  /** Execution providers in order, e.g. `cuda,cpu`; CUDA is used only if this build has it. */
  MODELWATCH_ONNX_PROVIDERS: z
    .string()
    .default('cpu')
    .transform((v) => v.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)),
  MODELWATCH_ONNX_THREADS: int(1, 256).default(1),
  MODELWATCH_SERVING_MICROBATCH: onOff.default(true),
  MODELWATCH_SERVING_BATCH_MAX_ROWS: int(1, 100_000).default(256),
  MODELWATCH_SERVING_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(0),
  MODELWATCH_PREDICT_MAX_INSTANCES: int(1, 1_000_000).default(10_000),
  /** A dedicated serving thread answers /predict on this port too (compose/serving-thread.ts); unset: none; 0: a free port. */
  MODELWATCH_SERVING_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .optional(),
  /** With a serving thread, the main (control-plane) thread's nice (compose/serving-thread.ts); 0: left as is. */
  MODELWATCH_CONTROL_PLANE_NICE: int(0, 19).default(10),
  MODELWATCH_PREDICTION_LOG_FLUSH_MS: int(1, 60_000).default(5),
  // The monitor takes at most 10,000 records per call.
  MODELWATCH_PREDICTION_LOG_BATCH: int(1, 10_000).default(1000),
  MODELWATCH_PREDICTION_LOG_MAX_QUEUED: int(1, 10_000_000).default(100_000),
  /** How often the router re-reads aliases (other replicas' promotions); 0 turns it off. */
  MODELWATCH_ROUTER_SYNC_MS: int(0, 3_600_000).default(2000),
  MODELWATCH_DEPLOY_HOOK_ATTEMPTS: int(1, 20).default(5),
  MODELWATCH_DEPLOY_HOOK_BACKOFF_MS: int(0, 600_000).default(500),
  MODELWATCH_DEPLOY_HOOK_TIMEOUT_MS: int(1, 600_000).default(5000),
};

/**
 * Job queue and runner settings. The trainer command is server configuration on purpose:
 * request bodies never name a command (they may only pass `params`, which reach the trainer
 * as JSON data).
 */
const jobsVariables = {
  /** Jobs this replica runs at once; 0: this replica runs none (it still enqueues). */
  MODELWATCH_JOBS_WORKERS: int(0, 64).default(2),
  MODELWATCH_JOBS_POLL_MS: int(10, 600_000).default(1000),
  MODELWATCH_JOBS_HEARTBEAT_MS: int(10, 600_000).default(5000),
  /** A running job whose heartbeat is older than this belongs to a dead worker. */
  MODELWATCH_JOBS_STALE_MS: int(100, 86_400_000).default(60_000),
  MODELWATCH_JOBS_TIMEOUT: duration.default(2 * 3_600_000),
  /** Retries after a retryable failure (so attempts = retries + 1). */
  MODELWATCH_JOBS_RETRIES: int(0, 10).default(1),
  MODELWATCH_JOBS_BACKOFF_MS: int(0, 86_400_000).default(30_000),
  /** After SIGTERM, how long a trainer process may take before SIGKILL. */
  MODELWATCH_JOBS_KILL_GRACE_MS: int(0, 600_000).default(5000),
  MODELWATCH_TRAINER_COMMAND: z.string().min(1).optional(),
  /** Honour per-model `settings.retrain.command` (editors can write settings: off by default). */
  MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS: onOff.default(false),
  /** "none", or GPU indices "0,1"; default: ask nvidia-smi. */
  MODELWATCH_GPUS: z.string().min(1).optional(),
  MODELWATCH_GPU_SLOTS_PER_GPU: int(1, 64).default(1),
};

const durationOrOff = z.string().transform((v, ctx) => {
  if (v === 'off') return Number.POSITIVE_INFINITY;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 90d, 14d, 12h, or off' });
    return z.NEVER;
  }
  return ms;
});

/**
 * Issue 20: raw records are kept 90 days, three times the ingest window (an outcome can still
 * join a prediction accepted on its last day) and well over the default retrain window (7 days);
 * minute rollups 14 days (the hour rows answer older queries).
 */
export const DEFAULT_RETENTION_RAW_MS = 90 * 86_400_000;
export const DEFAULT_RETENTION_MINUTE_ROLLUPS_MS = 14 * 86_400_000;
/** jobs/retrain-settings.ts `window`'s default: raw retention must cover it. */
export const DEFAULT_RETRAIN_WINDOW_MS = 7 * 86_400_000;

/** A day: issue 13 asks that an early outcome wait at least 24 h for its prediction. */
export const DEFAULT_OUTCOME_PARKING_WINDOW_MS = 86_400_000;

/** Issue 16: ingest's bounds on rollup keys and record age (monitor/cardinality.ts). */
export const DEFAULT_MAX_UNREGISTERED_KEYS = 100;
export const DEFAULT_INGEST_MAX_AGE_MS = 30 * 86_400_000;

/** Monitor settings. */
const monitorVariables = {
  /** How long an outcome whose prediction is not stored yet stays parked (monitor/outcome-parking.ts). */
  MODELWATCH_OUTCOME_PARKING_WINDOW: duration.default(DEFAULT_OUTCOME_PARKING_WINDOW_MS),
  /** (version, arm) keys per model kept as sent although not registered; past it, `__other__`. */
  MODELWATCH_MAX_UNREGISTERED_KEYS: int(0, 100_000).default(DEFAULT_MAX_UNREGISTERED_KEYS),
  /** Predictions with a `ts` older than this (before now) are rejected. */
  MODELWATCH_INGEST_MAX_AGE: duration.default(DEFAULT_INGEST_MAX_AGE_MS),
  /** Raw predictions and outcomes older than this are deleted (monitor/retention.ts); off: kept for ever. */
  MODELWATCH_RETENTION_RAW: durationOrOff.default(DEFAULT_RETENTION_RAW_MS),
  /** Minute rollups older than this are deleted; their hour rows stay (monitor/retention.ts); off: kept. */
  MODELWATCH_RETENTION_MINUTE_ROLLUPS: durationOrOff.default(DEFAULT_RETENTION_MINUTE_ROLLUPS_MS),
  /** How often a retention pass runs (one replica at a time). */
  MODELWATCH_RETENTION_INTERVAL: duration.default(5 * 60_000),
};

const envSchema = z.object({ ...serverVariables, ...storageVariables, ...servingVariables, ...jobsVariables, ...monitorVariables });
type Env = z.output<typeof envSchema>;

/** The serving section (serving/, registry, actions' deployment hook). */
export interface ServingConfig {
  providers: string[];
  intraOpThreads: number;
  microBatch: { enabled: boolean; maxRows: number; maxWaitMs: number };
  maxInstances: number;
  /** The dedicated serving thread's port (MODELWATCH_SERVING_PORT); undefined: no serving thread. */
  threadPort: number | undefined;
  /** With a serving thread, the main thread's nice once the serving thread listens (MODELWATCH_CONTROL_PLANE_NICE); 0: unchanged. */
  controlPlaneNice: number;
  predictionLog: { flushMs: number; maxBatch: number; maxQueued: number };
  routerSyncMs: number;
  deploymentHook: { attempts: number; backoffMs: number; timeoutMs: number };
}

/** Where artifacts and job outputs are kept (compose/object-storage.ts). */
export type StorageConfig =
  | { kind: 'disk' | 'postgres' }
  | {
      kind: 's3';
      bucket: string;
      endpoint: string | undefined;
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      forcePathStyle: boolean;
      prefix: string;
    };

/** The jobs section (jobs/: the queue, its workers, the runners). */
export interface JobsConfig {
  workers: number;
  pollMs: number;
  heartbeatMs: number;
  staleMs: number;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  killGraceMs: number;
  trainerCommand: string | undefined;
  allowModelCommands: boolean;
  gpus: string | undefined;
  slotsPerGpu: number;
}

/** The monitor section (monitor/). */
export interface MonitorConfig {
  outcomeParkingWindowMs: number;
  maxUnregisteredKeys: number;
  ingestMaxAgeMs: number;
  retention: RetentionConfig;
}

/** Retention (monitor/retention.ts); Infinity: never deleted. */
export interface RetentionConfig {
  rawMs: number;
  minuteRollupsMs: number;
  intervalMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  logLevel: Env['MODELWATCH_LOG_LEVEL'];
  metricsToken: string | undefined;
  webhookSecret: string | undefined;
  maxBodyBytes: number;
  /** How long the exported gauges (KPIs, drift, health, experiments) are reused between scrapes. */
  metricsCacheMs: number;
  /** How often experiments with autoDecide are evaluated (0: never). */
  autoDecideIntervalMs: number;
  /** How long experiment results reuse the totals of closed hours, and drift and health closed buckets (monitor/closed-buckets.ts). */
  resultsCacheMs: number;
  /** The control loops' lease period (store/leases.ts). */
  leaseMs: number;
  /** The most traffic (percent) an editor may send to versions other than the champion (docs/security.md). */
  editorMaxTreatmentPercent: number;
  storage: StorageConfig;
  serving: ServingConfig;
  jobs: JobsConfig;
  monitor: MonitorConfig;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const servingSection = (e: Env): ServingConfig => ({
  providers: e.MODELWATCH_ONNX_PROVIDERS,
  intraOpThreads: e.MODELWATCH_ONNX_THREADS,
  microBatch: { enabled: e.MODELWATCH_SERVING_MICROBATCH, maxRows: e.MODELWATCH_SERVING_BATCH_MAX_ROWS, maxWaitMs: e.MODELWATCH_SERVING_BATCH_WAIT_MS },
  maxInstances: e.MODELWATCH_PREDICT_MAX_INSTANCES,
  threadPort: e.MODELWATCH_SERVING_PORT,
  controlPlaneNice: e.MODELWATCH_CONTROL_PLANE_NICE,
  predictionLog: {
    flushMs: e.MODELWATCH_PREDICTION_LOG_FLUSH_MS,
    maxBatch: e.MODELWATCH_PREDICTION_LOG_BATCH,
    maxQueued: e.MODELWATCH_PREDICTION_LOG_MAX_QUEUED,
  },
  routerSyncMs: e.MODELWATCH_ROUTER_SYNC_MS,
  deploymentHook: {
    attempts: e.MODELWATCH_DEPLOY_HOOK_ATTEMPTS,
    backoffMs: e.MODELWATCH_DEPLOY_HOOK_BACKOFF_MS,
    timeoutMs: e.MODELWATCH_DEPLOY_HOOK_TIMEOUT_MS,
  },
});

const jobsSection = (e: Env): JobsConfig => ({
  workers: e.MODELWATCH_JOBS_WORKERS,
  pollMs: e.MODELWATCH_JOBS_POLL_MS,
  heartbeatMs: e.MODELWATCH_JOBS_HEARTBEAT_MS,
  staleMs: e.MODELWATCH_JOBS_STALE_MS,
  timeoutMs: e.MODELWATCH_JOBS_TIMEOUT,
  retries: e.MODELWATCH_JOBS_RETRIES,
  backoffMs: e.MODELWATCH_JOBS_BACKOFF_MS,
  killGraceMs: e.MODELWATCH_JOBS_KILL_GRACE_MS,
  trainerCommand: e.MODELWATCH_TRAINER_COMMAND,
  allowModelCommands: e.MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS,
  gpus: e.MODELWATCH_GPUS,
  slotsPerGpu: e.MODELWATCH_GPU_SLOTS_PER_GPU,
});

/** Reads the configuration, naming each bad variable and what was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('MODELWATCH_') && value !== ''),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}=${JSON.stringify(relevant[String(issue.path[0])])}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    port: e.MODELWATCH_PORT,
    host: e.MODELWATCH_HOST,
    dataDir: path.resolve(e.MODELWATCH_DATA_DIR),
    databaseUrl: e.MODELWATCH_DATABASE_URL,
    adminToken: e.MODELWATCH_ADMIN_TOKEN,
    logLevel: e.MODELWATCH_LOG_LEVEL,
    metricsToken: e.MODELWATCH_METRICS_TOKEN,
    webhookSecret: e.MODELWATCH_WEBHOOK_SECRET,
    maxBodyBytes: Math.round(e.MODELWATCH_MAX_BODY_MB * 1024 * 1024),
    metricsCacheMs: e.MODELWATCH_METRICS_CACHE_MS,
    autoDecideIntervalMs: e.MODELWATCH_AUTO_DECIDE_INTERVAL_MS,
    resultsCacheMs: e.MODELWATCH_RESULTS_CACHE_MS,
    leaseMs: e.MODELWATCH_LEASE_MS,
    editorMaxTreatmentPercent: e.MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT,
    storage: storageSection(e),
    serving: servingSection(e),
    jobs: jobsSection(e),
    monitor: {
      outcomeParkingWindowMs: e.MODELWATCH_OUTCOME_PARKING_WINDOW,
      maxUnregisteredKeys: e.MODELWATCH_MAX_UNREGISTERED_KEYS,
      ingestMaxAgeMs: e.MODELWATCH_INGEST_MAX_AGE,
      retention: retentionSection(e),
    },
  };
}

/** The storage settings: the kind asked for (or the default for the store) and what it needs. */
function storageSection(e: Env): StorageConfig {
  const kind = e.MODELWATCH_ARTIFACT_STORAGE ?? (e.MODELWATCH_S3_BUCKET ? 's3' : e.MODELWATCH_DATABASE_URL ? 'postgres' : 'disk');
  const problems: string[] = [];
  if (kind === 'postgres' && !e.MODELWATCH_DATABASE_URL) problems.push('MODELWATCH_ARTIFACT_STORAGE=postgres: needs MODELWATCH_DATABASE_URL (the store on PostgreSQL)');
  if (kind === 's3' && !e.MODELWATCH_S3_BUCKET) problems.push('MODELWATCH_ARTIFACT_STORAGE=s3: needs MODELWATCH_S3_BUCKET');
  if (!e.MODELWATCH_S3_ACCESS_KEY_ID !== !e.MODELWATCH_S3_SECRET_ACCESS_KEY) problems.push('MODELWATCH_S3_ACCESS_KEY_ID and MODELWATCH_S3_SECRET_ACCESS_KEY: set both or neither');
  if (problems.length) throw new ConfigError(problems);
  if (kind !== 's3') return { kind };
  return {
    kind,
    bucket: e.MODELWATCH_S3_BUCKET!,
    endpoint: e.MODELWATCH_S3_ENDPOINT,
    region: e.MODELWATCH_S3_REGION,
    credentials:
      e.MODELWATCH_S3_ACCESS_KEY_ID && e.MODELWATCH_S3_SECRET_ACCESS_KEY ? { accessKeyId: e.MODELWATCH_S3_ACCESS_KEY_ID, secretAccessKey: e.MODELWATCH_S3_SECRET_ACCESS_KEY } : undefined,
    forcePathStyle: e.MODELWATCH_S3_FORCE_PATH_STYLE,
    prefix: e.MODELWATCH_S3_PREFIX,
  };
}

/** The retention settings, checked against what reads raw rows later (late outcomes, retrains). */
function retentionSection(e: Env): RetentionConfig {
  const raw = e.MODELWATCH_RETENTION_RAW;
  const problems: string[] = [];
  if (raw < e.MODELWATCH_INGEST_MAX_AGE) {
    problems.push(
      `MODELWATCH_RETENTION_RAW (${formatDays(raw)}): must be at least MODELWATCH_INGEST_MAX_AGE (${formatDays(e.MODELWATCH_INGEST_MAX_AGE)}): ` +
        'records ingest accepts would be deleted at once, and outcomes could not join them',
    );
  }
  if (raw < DEFAULT_RETRAIN_WINDOW_MS) {
    problems.push(`MODELWATCH_RETENTION_RAW (${formatDays(raw)}): must be at least the default retrain window (settings.retrain.window, ${formatDays(DEFAULT_RETRAIN_WINDOW_MS)}): a retrain reads that much raw traffic`);
  }
  if (e.MODELWATCH_RETENTION_MINUTE_ROLLUPS < 2 * 3_600_000) {
    problems.push('MODELWATCH_RETENTION_MINUTE_ROLLUPS: must be at least 2h (older minutes are answered from whole hour rollups)');
  }
  if (problems.length) throw new ConfigError(problems);
  return { rawMs: raw, minuteRollupsMs: e.MODELWATCH_RETENTION_MINUTE_ROLLUPS, intervalMs: e.MODELWATCH_RETENTION_INTERVAL };
}
