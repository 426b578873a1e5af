import type { AppContext } from '../app-context.ts';
import { actionReplySchema } from '../../actions/action-types.ts';
import { retrainRequestSchema } from '../../jobs/retrain-request.ts';
import { retrainTriggerStatusSchema } from '../../jobs/retrain-triggers.ts';
import { modelParams } from '../../core/schemas.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';
import { actionReply, idempotencyKeyOf } from './actions.ts';

export function retrainRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/actions/retrain',
      summary:
        'Retrain: queue a job that exports the recent labelled traffic, trains (built-in trainer, or the server-configured trainer command), validates against the champion and registers the result as challenger. The action follows the job (GET /api/v1/jobs/{jobId}). Send an Idempotency-Key header to make retries safe.',
      tags: ['actions', 'jobs'],
      permission: 'edit',
      params: modelParams,
      body: retrainRequestSchema,
      responses: {
        202: { description: 'Queued; the action is running until the job ends', schema: actionReplySchema },
        200: { description: 'A replayed request whose job has ended', schema: actionReplySchema },
        404: { description: 'No such model' },
        422: { description: 'Cannot run here: GPUs requested on a machine without, no trainer command configured, bad retrain settings' },
      },
      handler: async ({ params, body, actor, req }) => actionReply(await ctx.jobs.retrain(params.model, body, actor!, idempotencyKeyOf(req))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/retrain-triggers',
      summary:
        "The model's automatic retrains besides alerts (settings.retrain.schedule and .volume): the next planned run, labelled rows since the last training against the threshold, and the cooldown shared with every other retrain",
      tags: ['jobs'],
      permission: 'read',
      params: modelParams,
      responses: {
        200: { description: 'Schedule, volume and cooldown', schema: retrainTriggerStatusSchema },
        404: { description: 'No such model' },
        422: { description: 'The stored retrain settings no longer parse' },
      },
      handler: async ({ params }) => ok(await ctx.retrainTriggers.status(await ctx.models.get(params.model))),
    }),
  ];
}
