import { z } from 'zod';
import { ConfigError } from '../core/config.ts';
import { parseDuration } from '../core/duration.ts';

/**
 * Job queue and runner settings from MODELWATCH_* variables (documented in docs/jobs.md).
 * The trainer command is server configuration on purpose: request bodies never name a
 * command (they may only pass `params`, which reach the trainer as JSON data).
 */
const onOff = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);

const duration = z.string().transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 90s, 5m, 2h or milliseconds' });
    return z.NEVER;
  }
  return ms;
});

const envSchema = z.object({
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
});

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

export function jobsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('MODELWATCH_') && v !== ''));
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(relevant[String(i.path[0])])}: ${i.message}`));
  }
  const e = parsed.data;
  return {
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
  };
}

/** Exponential backoff before attempt `attempt + 1` (attempt counts from 1), capped at 1 hour. */
export const retryDelayMs = (baseMs: number, attempt: number): number => Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));

/**
 * Splits a command line into argv without a shell: whitespace separates arguments, single
 * or double quotes group them, a backslash escapes the next character outside single quotes.
 */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in the trainer command`);
  if (started) args.push(current);
  return args;
}
