import { z } from 'zod';
import { ConfigError } from '../core/config.ts';

/**
 * Serving, registry and action settings from MODELWATCH_* variables (documented in the
 * README's configuration table). Kept beside the code that uses them; defaults chosen from
 * bench/serving measurements.
 */
const onOff = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);

const envSchema = z.object({
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
  MODELWATCH_PREDICTION_LOG_FLUSH_MS: int(1, 60_000).default(5),
  // The monitor takes at most 10,000 records per call.
  MODELWATCH_PREDICTION_LOG_BATCH: int(1, 10_000).default(1000),
  MODELWATCH_PREDICTION_LOG_MAX_QUEUED: int(1, 10_000_000).default(100_000),
  /** How often the router re-reads aliases (other replicas' promotions); 0 turns it off. */
  MODELWATCH_ROUTER_SYNC_MS: int(0, 3_600_000).default(2000),
  MODELWATCH_DEPLOY_HOOK_ATTEMPTS: int(1, 20).default(5),
  MODELWATCH_DEPLOY_HOOK_BACKOFF_MS: int(0, 600_000).default(500),
  MODELWATCH_DEPLOY_HOOK_TIMEOUT_MS: int(1, 600_000).default(5000),
});

export interface ServingConfig {
  providers: string[];
  intraOpThreads: number;
  microBatch: { enabled: boolean; maxRows: number; maxWaitMs: number };
  maxInstances: number;
  predictionLog: { flushMs: number; maxBatch: number; maxQueued: number };
  routerSyncMs: number;
  deploymentHook: { attempts: number; backoffMs: number; timeoutMs: number };
}

export function servingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServingConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('MODELWATCH_') && v !== ''));
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(relevant[String(i.path[0])])}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    providers: e.MODELWATCH_ONNX_PROVIDERS,
    intraOpThreads: e.MODELWATCH_ONNX_THREADS,
    microBatch: { enabled: e.MODELWATCH_SERVING_MICROBATCH, maxRows: e.MODELWATCH_SERVING_BATCH_MAX_ROWS, maxWaitMs: e.MODELWATCH_SERVING_BATCH_WAIT_MS },
    maxInstances: e.MODELWATCH_PREDICT_MAX_INSTANCES,
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
  };
}
