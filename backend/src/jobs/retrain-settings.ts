import { z } from 'zod';
import { DomainError } from '../core/errors.ts';
import { describeZodError } from '../core/zod-errors.ts';
import { labelKinds } from './dataset.ts';
import { parseDuration } from '../core/duration.ts';
import { DEFAULT_RETRAIN_WINDOW_MS } from '../core/config.ts';
import { runnerNames } from './job-types.ts';
import { METRIC_NAMES } from '../experiments/metric-catalog.ts';
import { Cron } from 'croner';

/** The alert policies' default cooldown (alerts/policy-schema.ts DEFAULT_COOLDOWN_MS). */
export const DEFAULT_RETRAIN_COOLDOWN_MS = 30 * 60_000;

export const gatePolicies = ['non_inferiority', 'superiority'] as const;

/** settings.retrain.release: how a passed challenger reaches traffic (docs/jobs.md). */
export const releaseModes = ['canary', 'shadow-then-canary'] as const;

/** The validation gate's pass rule (per model: `settings.retrain.gate`; docs/jobs.md). */
export const gateRuleSchema = z.object({
  /**
   * non_inferiority: the candidate may not be worse than the champion by more than maxAucDrop;
   * superiority: it must beat the champion's AUC by more than minAucGain on the hold-out,
   * shown by DeLong's one-sided test at `alpha`.
   */
  policy: z.enum(gatePolicies, { error: `expected one of ${gatePolicies.join(', ')}` }).default('non_inferiority'),
  /** non_inferiority: candidate AUC must be ≥ champion AUC − maxAucDrop. */
  maxAucDrop: z.number().min(0).max(1).default(0.005),
  /** superiority: the AUC gain over the champion the candidate must show (0: any significant gain). */
  minAucGain: z.number().min(0).max(0.5).default(0),
  /** Candidate log loss must be ≤ champion log loss × (1 + maxLogLossIncrease). */
  maxLogLossIncrease: z.number().min(0).max(100).default(0.02),
  /** With no champion to compare: the candidate's AUC must reach this floor (0.5 + ε). */
  minAuc: z.number().min(0).max(1).default(0.51),
  /** Held-out rows of each class needed to judge at all (fewer: the gate fails). */
  minPositives: z.number().int().min(2).default(10),
  minNegatives: z.number().int().min(2).default(10),
  /** non_inferiority: also fail when DeLong says the candidate's AUC is significantly lower (p < alpha). */
  failIfSignificantlyWorse: z.boolean().default(false),
  /** Level of the DeLong tests (two-sided for failIfSignificantlyWorse, one-sided for superiority). */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Share of the window's most recent rows held out for the gate (never trained on). */
  holdoutFraction: z.number().gt(0).lt(1).default(0.2),
  /** Most held-out rows scored (the newest). */
  maxRows: z.number().int().min(10).max(5_000_000).default(200_000),
});
export type GateRule = z.output<typeof gateRuleSchema>;

const canaryGuardrailSchema = z.object({
  metric: z.enum(METRIC_NAMES, { error: `expected one of ${METRIC_NAMES.join(', ')}` }),
  /** Tolerated degradation, in `difference` units (relative: a fraction). */
  margin: z.number().min(0),
  direction: z.enum(['higher', 'lower']).optional(),
  difference: z.enum(['relative', 'absolute']).optional(),
});

/**
 * A retrain's canary, unless the model says otherwise: CTR at most 5 % lower (relative),
 * error rate at most 1 point higher (absolute), mean latency at most 20 % higher. The
 * experiments have no p99 metric; the p99 per version is the alert ModelWatchLatencyP99High.
 */
export const DEFAULT_CANARY_GUARDRAILS: z.output<typeof canaryGuardrailSchema>[] = [
  { metric: 'ctr', margin: 0.05 },
  { metric: 'error_rate', margin: 0.01 },
  { metric: 'latency', margin: 0.2 },
];

const durationSetting = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration like 7d, 12h, 30m or milliseconds' });
    return z.NEVER;
  }
  return ms;
});

/** A cron pattern croner accepts in this time zone (jobs/retrain-triggers.ts plans by it). */
const scheduleSchema = z
  .object({
    cron: z.string().min(1).max(200),
    timezone: z.string().min(1).max(100).default('UTC'),
  })
  .superRefine((s, ctx) => {
    try {
      new Cron(s.cron, { timezone: s.timezone, paused: true }).nextRun();
    } catch (error) {
      const what = error instanceof Error ? error.message : String(error);
      const bad = /time ?zone/i.test(what) ? 'timezone' : 'cron';
      ctx.addIssue({
        code: 'custom',
        path: [bad],
        message:
          bad === 'cron'
            ? `expected a cron pattern like "0 2 * * *" (minute hour day-of-month month day-of-week): ${what}`
            : `expected an IANA time zone like UTC or Europe/Berlin: ${what}`,
      });
    }
  });

/** Per-model retrain policy: `settings.retrain` of the model. */
export const retrainSettingsSchema = z.object({
  runner: z.enum(runnerNames).optional(),
  /**
   * Trainer command (argv array, or one string split on whitespace without a shell) for the
   * command runner. Honoured only when the server sets MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS.
   */
  command: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Training window, ending now (default 7 days). */
  window: durationSetting.default(DEFAULT_RETRAIN_WINDOW_MS),
  label: z.enum(labelKinds).default('click'),
  /** Defaults for the trainer's params; a request's params override them key by key. */
  params: z
    .record(z.string(), z.unknown())
    .superRefine((params, ctx) => {
      // Checked on save as well as per request (jobs/builtin-runner.ts builtinSpec): the model page shows it.
      if (params.recencyHalfLife !== undefined && parseDuration(params.recencyHalfLife) === undefined) {
        ctx.addIssue({ code: 'custom', path: ['recencyHalfLife'], message: 'expected a duration like 3d, 12h or milliseconds (a row\'s weight halves with each half-life of age)' });
      }
    })
    .default({}),
  gpus: z.number().int().min(0).max(64).optional(),
  timeout: durationSetting.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  /** Also write Parquet copies of the dataset (CSV is always written). */
  parquet: z.boolean().default(true),
  gate: gateRuleSchema.default(gateRuleSchema.parse({})),
  /** After a challenger passed the gate: wait for a person (default) or start a canary experiment. */
  onSuccess: z.enum(['wait', 'canary']).default('wait'),
  /** Canary experiment: the challenger's traffic share in percent, the primary metric and the guardrails. */
  canary: z
    .object({
      weight: z.number().gt(0).lt(100).default(10),
      primaryMetric: z.enum(METRIC_NAMES, { error: `expected one of ${METRIC_NAMES.join(', ')}` }).default('ctr'),
      /** Let the experiment promote or roll back by itself when its sequential test decides. */
      autoDecide: z.boolean().default(false),
      /** The experiment's guardrails (a breach makes it recommend rollback); [] for none. */
      guardrails: z.array(canaryGuardrailSchema).max(20).default(DEFAULT_CANARY_GUARDRAILS),
    })
    .prefault({}),
  /**
   * How a passed challenger reaches traffic when onSuccess is "canary": "canary" at once, or
   * "shadow-then-canary": first a shadow (scores the champion's requests, serves none) for
   * `shadow.duration`, and the canary only if the shadow's gates pass (jobs/retrain-shadow.ts).
   */
  release: z.enum(releaseModes, { error: `expected one of ${releaseModes.join(', ')}` }).default('canary'),
  /** The shadow before a canary: how long it runs and the gates it must pass. */
  shadow: z
    .object({
      duration: durationSetting.default(30 * 60_000),
      /** Champion/shadow pairs needed to judge at all (fewer: the gates fail). */
      minPairs: z.number().int().min(1).default(100),
      /** Least share of pairs whose decisions agree at the decision threshold. */
      minAgreement: z.number().min(0).max(1).default(0.9),
      /** Most shadow predictions that may fail (error rate, 0..1). */
      maxErrorRate: z.number().min(0).max(1).default(0.01),
      /** Most shadow p99 latency / champion p99 latency. */
      maxLatencyRatio: z.number().gt(0).default(1.5),
    })
    .prefault({}),
  /** Retrain on a schedule (jobs/retrain-triggers.ts). */
  schedule: scheduleSchema.optional(),
  /** Retrain once this many labelled rows arrived since the last successful retrain. */
  volume: z.object({ labelledRows: z.number().int().min(1).max(1e12) }).optional(),
  /** Least time between two automatic retrains of the model, whatever started the last (default 30 minutes, as the alert policies'; 0: none). */
  cooldown: z.union([z.literal(0), durationSetting]).default(DEFAULT_RETRAIN_COOLDOWN_MS),
});
export type RetrainSettings = z.output<typeof retrainSettingsSchema>;

/** The model's retrain settings with defaults; 422 naming the field when they are malformed. */
export function retrainSettingsOf(settings: Record<string, unknown>): RetrainSettings {
  const raw = settings.retrain ?? {};
  const parsed = retrainSettingsSchema.safeParse(raw);
  if (!parsed.success) throw new DomainError('failed_precondition', describeZodError(parsed.error, 'settings.retrain'));
  return parsed.data;
}
