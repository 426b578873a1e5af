import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { METRIC_NAMES } from '../../experiments/metric-catalog.ts';
import { defineRoute, created, ok, type HttpReply, type RouteDefinition } from '../route.ts';
import { idempotencyKeyOf } from './actions.ts';

const armName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1 to 64 letters, digits, . _ or -, starting with a letter or digit');
const metricName = z.enum(METRIC_NAMES);
const direction = z.enum(['higher', 'lower']);
const difference = z.enum(['relative', 'absolute']);

const armSchema = z.object({
  name: armName,
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
          direction: direction.optional().meta({ description: "Default: the metric's own" }),
          margin: z.number().min(0, 'must be ≥ 0').meta({ description: 'Tolerated degradation, in `difference` units (relative: a fraction)' }),
          difference: difference.optional().meta({ description: 'Default: relative (absolute for error_rate)' }),
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

const reweightSchema = z
  .object({
    weights: z.union([z.array(z.number().min(0, 'must be ≥ 0')).min(1), z.record(z.string(), z.number().min(0, 'must be ≥ 0'))]).meta({
      description: 'One weight per arm in arm order, or {arm: weight} (unnamed arms keep theirs); normalised',
    }),
    reason: z.string().trim().min(1).max(2000).optional(),
  })
  .meta({ id: 'ReweightExperimentRequest' });

const stopSchema = z
  .object({
    decision: z.enum(['promote', 'rollback', 'none']),
    reason: z.string().trim().min(1).max(2000).optional(),
    arm: armName.optional().meta({ description: 'promote: the arm whose version to promote (default: the recommended winner)' }),
  })
  .meta({ id: 'StopExperimentRequest' });

const idParams = z.object({ id: z.string().min(1) });

const listQuery = z.object({
  model: z.string().min(1).optional(),
  status: z.enum(['running', 'stopped']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const experimentSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    status: z.enum(['running', 'stopped']),
    primaryMetric: z.string(),
    arms: z.array(z.object({ name: z.string(), version: z.string(), weight: z.number() })),
    guardrails: z.array(z.object({ metric: z.string(), direction: direction, margin: z.number(), difference: difference })),
    metrics: z.array(z.string()),
    sequential: z.boolean(),
    tuning: z.number().nullable(),
    alpha: z.number(),
    minSampleSize: z.number(),
    maxSampleSize: z.number().nullable(),
    minimumEffect: z.number().nullable(),
    autoDecide: z.boolean(),
    salt: z.string(),
    allocation: z.object({
      buckets: z.number(),
      arms: z.array(z.object({ name: z.string(), buckets: z.number(), ranges: z.array(z.object({ start: z.number(), end: z.number() })) })),
    }),
    weightHistory: z.array(z.object({ at: z.string(), weights: z.record(z.string(), z.number()) })),
    description: z.string().nullable(),
    createdBy: z.string(),
    startedAt: z.string(),
    stoppedAt: z.string().nullable(),
    stoppedBy: z.string().nullable(),
    decision: z.enum(['promote', 'rollback', 'none']).nullable(),
    stopReason: z.string().nullable(),
  })
  .meta({ id: 'Experiment' });

const experimentReply = z.object({ experiment: experimentSchema, notes: z.array(z.string()) });

const resultsSchema = z
  .object({
    experimentId: z.string(),
    model: z.string(),
    window: z.object({ from: z.string(), to: z.string(), fromMs: z.number(), toMs: z.number() }),
    sequential: z.boolean(),
    alpha: z.number(),
    arms: z.array(z.object({ name: z.string(), version: z.string(), weight: z.number(), requests: z.number() })),
    srm: z.object({ counts: z.array(z.number()), expected: z.array(z.number()), pValue: z.number(), mismatch: z.boolean() }),
    metrics: z.array(
      z.object({
        metric: z.string(),
        role: z.enum(['primary', 'guardrail', 'secondary']),
        kind: z.enum(['proportion', 'mean']),
        arms: z.array(z.object({ arm: z.string(), version: z.string(), n: z.number(), sum: z.number(), mean: z.number(), comparison: z.unknown() })),
      }),
    ),
    guardrails: z.array(z.unknown()),
    decision: z.object({
      recommendation: z.enum(['promote', 'rollback', 'keep_running', 'inconclusive']),
      reasons: z.array(z.string()),
      winner: z.object({ arm: z.string(), version: z.string() }).nullable(),
    }),
    notes: z.array(z.string()),
  })
  .meta({ id: 'ExperimentResults', description: 'Per metric and arm: counts, rates, effect vs the control, CI, p-values, power; SRM; guardrails; recommendation' });

const experiments = (ctx: AppContext) => ctx.experiments;

export function experimentRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/experiments',
      summary: 'Start an A/B experiment between versions of a model (one running experiment per model)',
      tags: ['experiments'],
      permission: 'edit',
      body: createExperimentSchema,
      responses: {
        201: { description: 'Started', schema: experimentReply },
        404: { description: 'No such model' },
        409: { description: 'The model already has a running experiment' },
      },
      handler: async ({ body, actor }) => created(await experiments(ctx).create(body, actor!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/experiments',
      summary: 'List experiments, newest first',
      tags: ['experiments'],
      permission: 'read',
      query: listQuery,
      responses: { 200: { description: 'Experiments', schema: z.object({ experiments: z.array(experimentSchema) }) } },
      handler: async ({ query }) => ok({ experiments: await experiments(ctx).list(query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/experiments/{id}',
      summary: 'Get an experiment',
      tags: ['experiments'],
      permission: 'read',
      params: idParams,
      responses: { 200: { description: 'The experiment', schema: z.object({ experiment: experimentSchema }) }, 404: { description: 'No such experiment' } },
      handler: async ({ params }) => ok({ experiment: await experiments(ctx).get(params.id) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/experiments/{id}',
      summary: 'Change the weights (ramp); reallocates so that the fewest units change arm',
      tags: ['experiments'],
      permission: 'edit',
      params: idParams,
      body: reweightSchema,
      responses: {
        200: { description: 'Reweighted', schema: experimentReply.extend({ movedFraction: z.number() }) },
        404: { description: 'No such experiment' },
        409: { description: 'The experiment is stopped' },
      },
      handler: async ({ params, body, actor }) => ok(await experiments(ctx).reweight(params.id, body.weights, actor!, body.reason)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/experiments/{id}/results',
      summary: 'Results since the start: per metric and arm, SRM, guardrails, Holm-adjusted p-values, recommendation',
      tags: ['experiments'],
      permission: 'read',
      params: idParams,
      responses: { 200: { description: 'Results', schema: resultsSchema }, 404: { description: 'No such experiment' } },
      handler: async ({ params }) => ok(await experiments(ctx).results(params.id)),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/experiments/{id}/stop',
      summary:
        'Stop an experiment: promote (the winner\'s or the named arm\'s version; admin), rollback (keep/restore the control; admin) or none. Accepts an Idempotency-Key header.',
      tags: ['experiments'],
      permission: 'edit',
      params: idParams,
      body: stopSchema,
      responses: {
        200: { description: 'Stopped', schema: z.object({ experiment: experimentSchema, action: z.unknown(), recommendation: z.string().nullable(), championChange: z.unknown(), notes: z.array(z.string()) }) },
        403: { description: 'promote/rollback need the admin permission' },
        404: { description: 'No such experiment' },
        409: { description: 'Already stopped' },
      },
      handler: async ({ params, body, actor, req }): Promise<HttpReply> => {
        const { replayed, ...reply } = await experiments(ctx).stop(params.id, body, actor!, idempotencyKeyOf(req));
        return { status: 200, body: reply, headers: replayed ? { 'idempotent-replayed': 'true' } : {} };
      },
    }),
  ];
}
