import path from 'node:path';
import { z } from 'zod';

/** Environment variables the service reads, with their defaults. Documented in the README. */
const envSchema = z.object({
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
  MODELWATCH_METRICS_CACHE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).max(3_600_000).default(15_000),
  MODELWATCH_AUTO_DECIDE_INTERVAL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).max(86_400_000).default(30_000),
  MODELWATCH_RESULTS_CACHE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(0).max(3_600_000).default(60_000),
  MODELWATCH_MAX_BODY_MB: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(64),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  logLevel: z.infer<typeof envSchema>['MODELWATCH_LOG_LEVEL'];
  metricsToken: string | undefined;
  webhookSecret: string | undefined;
  maxBodyBytes: number;
  /** How long the exported gauges (KPIs, drift, health, experiments) are reused between scrapes. */
  metricsCacheMs: number;
  /** How often experiments with autoDecide are evaluated (0: never). */
  autoDecideIntervalMs: number;
  /** How long experiment results reuse the totals of closed hours. */
  resultsCacheMs: number;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

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
  };
}
