import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { modelParams } from '../../core/schemas.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';
import { MAX_UNIT_ID } from '../../monitor/ingest-records.ts';

const unitIdSchema = z
  .union([z.string().min(1).max(MAX_UNIT_ID), z.number().transform(String)])
  .meta({ description: 'The unit (user) the request is for: experiment and canary assignment hash it' });

const predictBodySchema = z
  .object({
    unitId: unitIdSchema.optional(),
    features: z.record(z.string(), z.unknown()).optional().meta({ description: 'One instance: feature name → value' }),
    instances: z
      .array(z.unknown())
      .optional()
      .meta({ description: 'Several instances: each a feature map, or {"unitId"?, "features": {...}}' }),
  })
  .meta({ id: 'PredictRequest' });

const predictionSchema = z
  .object({ predictionId: z.string(), version: z.string(), arm: z.string(), score: z.number().nullable() })
  .meta({ id: 'Prediction' });

/** POST /predict alone: the main port's and the serving thread's (http/serving-app.ts), one definition. */
export function predictRoute(serving: Pick<AppContext['serving'], 'predict'>): RouteDefinition {
  return defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/predict',
      summary: 'Score one instance or a batch with the version the router picks; logged for monitoring',
      tags: ['serving'],
      permission: 'ingest',
      params: modelParams,
      body: predictBodySchema,
      largeBody: true,
      responses: {
        200: { description: 'Scores, in request order', schema: z.object({ predictions: z.array(predictionSchema) }) },
        404: { description: 'No such model' },
        422: { description: 'The model has no champion to serve' },
        503: { description: 'The version to serve cannot be loaded or failed to score' },
      },
      handler: async ({ params, body }) => ok(await serving.predict(params.model, body)),
  });
}

export function servingRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    predictRoute(ctx.serving),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/serving',
      summary: 'What serves now: champion, challenger, canary share, and each loaded session with its status',
      tags: ['serving'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'Serving state' }, 404: { description: 'No such model' } },
      handler: async ({ params }) => {
        await ctx.models.get(params.model);
        return ok(await ctx.serving.state(params.model));
      },
    }),
  ];
}
