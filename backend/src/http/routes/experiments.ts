import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { createExperimentSchema, differenceSchema, directionSchema, reweightSchema, stopDecisionSchema, stopSchema } from '../../experiments/experiment-schemas.ts';
import { defineRoute, created, ok, type HttpReply, type RouteDefinition } from '../route.ts';
import { experimentResultsReply } from '../schemas/experiment-results.ts';
import { idempotencyKeyOf } from './actions.ts';
import { assertMayReweight, assertMayStartExperiment } from '../../experiments/experiment-privileges.ts';

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
    guardrails: z.array(z.object({ metric: z.string(), direction: directionSchema, margin: z.number(), difference: differenceSchema })),
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
    decision: stopDecisionSchema.nullable(),
    stopReason: z.string().nullable(),
  })
  .meta({ id: 'Experiment' });

const experimentReply = z.object({ experiment: experimentSchema, notes: z.array(z.string()) });

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
      handler: async ({ body, actor }) => {
        await assertMayStartExperiment(ctx.registry, body, actor!, ctx.config.editorMaxTreatmentPercent);
        return created(await experiments(ctx).create(body, actor!));
      },
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
      handler: async ({ params, body, actor }) => {
        await assertMayReweight(ctx.registry, await experiments(ctx).get(params.id), body.weights, actor!, ctx.config.editorMaxTreatmentPercent);
        return ok(await experiments(ctx).reweight(params.id, body.weights, actor!, body.reason));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/experiments/{id}/results',
      summary: 'Results since the start: per metric and arm, SRM, guardrails, Holm-adjusted p-values, recommendation',
      tags: ['experiments'],
      permission: 'read',
      params: idParams,
      responses: { 200: { description: 'Results', schema: experimentResultsReply }, 404: { description: 'No such experiment' } },
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
