/**
 * The experiment requests, validated once: the routes parse them with these schemas, and
 * in-process callers (the retrain job's trial experiment) with parseCreateExperiment. The
 * use cases then only check what needs the store (the model, its versions, the one running
 * experiment per model) and the rules between fields.
 */
import { z } from 'zod';
import { validationError } from '../core/zod-errors.ts';
import { BUILT_IN_ARMS } from '../monitor/rollup.ts';
import { METRIC_NAMES } from './metric-catalog.ts';

export const armNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1 to 64 letters, digits, . _ or -, starting with a letter or digit');
const metricName = z.enum(METRIC_NAMES);
export const directionSchema = z.enum(['higher', 'lower']);
export const differenceSchema = z.enum(['relative', 'absolute']);
export const stopDecisionSchema = z.enum(['promote', 'rollback', 'none']);

const armSchema = z.object({
  name: armNameSchema.refine((name) => !BUILT_IN_ARMS.includes(name), {
    message: `must not be one of ${BUILT_IN_ARMS.map((a) => `"${a}"`).join(', ')}: the router tags traffic outside experiments with those (use e.g. "control")`,
  }),
  version: z.string().min(1, 'must name a registered version of the model'),
  weight: z.number().positive('must be positive (weights are normalised to sum 1)'),
});

export const createExperimentSchema = z
  .object({
    model: z.string().min(1),
    arms: z
      .array(armSchema)
      .min(2, 'at least 2 arms: the control first, then the treatments')
      .max(20, 'at most 20 arms')
      .superRefine((arms, ctx) => {
        const seen = new Set<string>();
        arms.forEach((a, i) => {
          if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${a.name}" is used twice; arm names must be unique` });
          seen.add(a.name);
        });
      })
      .meta({ description: 'Arm 0 is the control' }),
    primaryMetric: metricName,
    guardrails: z
      .array(
        z.object({
          metric: metricName,
          direction: directionSchema.optional().meta({ description: "Default: the metric's own" }),
          margin: z.number().min(0, 'must be ≥ 0').meta({ description: 'Tolerated degradation, in `difference` units (relative: a fraction)' }),
          difference: differenceSchema.optional().meta({ description: 'Default: relative (absolute for error_rate)' }),
        }),
      )
      .max(20)
      .optional(),
    metrics: z.array(metricName).max(20).optional().meta({ description: 'Secondary metrics to report (default ctr, cvr, error_rate, latency)' }),
    sequential: z.boolean().optional().meta({ description: 'Always-valid results, readable at any time (default true)' }),
    tuning: z.number().positive().optional().meta({ description: 'N* of the confidence sequence (default 5000)' }),
    alpha: z.number().gt(0).lt(0.5).optional(),
    minSampleSize: z.number().int().min(1).optional().meta({ description: 'Sequential: minimum before a decision (default 1000); fixed horizon: the planned sample (required)' }),
    maxSampleSize: z.number().int().min(2).optional(),
    minimumEffect: z.number().positive().optional().meta({ description: 'Primary effect worth detecting (for the time to decision)' }),
    salt: z.string().min(1).max(200).optional(),
    autoDecide: z.boolean().optional().meta({ description: 'Let evaluateRunning() promote/roll back on its recommendation (default false)' }),
    description: z.string().max(2000).optional(),
  })
  .meta({ id: 'CreateExperimentRequest' });

export type CreateExperimentInput = z.output<typeof createExperimentSchema>;

/** For callers that do not come through the route: the same validation, as a DomainError. */
export function parseCreateExperiment(input: unknown): CreateExperimentInput {
  const parsed = createExperimentSchema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, 'experiment');
  return parsed.data;
}

export const reweightSchema = z
  .object({
    weights: z.union([z.array(z.number().min(0, 'must be ≥ 0')).min(1), z.record(z.string(), z.number().min(0, 'must be ≥ 0'))]).meta({
      description: 'One weight per arm in arm order, or {arm: weight} (unnamed arms keep theirs); normalised',
    }),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .meta({ id: 'ReweightExperimentRequest' });

export type Weights = z.output<typeof reweightSchema>['weights'];

export const stopSchema = z
  .object({
    decision: stopDecisionSchema,
    reason: z.string().trim().min(1).max(2000).optional(),
    arm: armNameSchema.optional().meta({ description: 'promote: the arm whose version to promote (default: the recommended winner)' }),
  })
  .meta({ id: 'StopExperimentRequest' });
