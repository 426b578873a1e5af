import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { createModelSchema, modelSchema } from '../../models/model-schemas.ts';
import { publicModel } from '../../models/model-service.ts';
import { modelParams } from '../../core/schemas.ts';
import { created, defineRoute, ok, type RouteDefinition } from '../route.ts';

export function modelRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/models',
      summary: 'Create a model',
      tags: ['models'],
      permission: 'edit',
      body: createModelSchema,
      responses: { 201: { description: 'Created', schema: modelSchema }, 409: { description: 'Exists already' } },
      handler: async ({ body, actor }) => created(publicModel(await ctx.models.create(body, actor!))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models',
      summary: 'List models',
      tags: ['models'],
      permission: 'read',
      responses: { 200: { description: 'Models', schema: z.object({ models: z.array(modelSchema) }) } },
      handler: async () => ok({ models: (await ctx.models.list()).map(publicModel) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}',
      summary: 'Get a model',
      tags: ['models'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'The model', schema: modelSchema }, 404: { description: 'No such model' } },
      handler: async ({ params }) => ok(publicModel(await ctx.models.get(params.model))),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/models/{model}/settings',
      summary: "Replace a model's settings (retrain, health, drift, metrics, deployment)",
      tags: ['models'],
      permission: 'edit',
      params: modelParams,
      body: z.object({ settings: z.record(z.string(), z.unknown()) }),
      responses: { 200: { description: 'The model with its new settings', schema: modelSchema }, 404: { description: 'No such model' } },
      handler: async ({ params, body, actor }) => ok(publicModel(await ctx.models.updateSettings(params.model, body.settings, actor!))),
    }),
  ];
}
