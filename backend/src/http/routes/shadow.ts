import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { modelParams, reasonSchema, timeInput } from '../../core/schemas.ts';
import { versionNameSchema } from '../../registry/version-schemas.ts';
import { shadowStatusReply } from '../schemas/shadow-replies.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const path = '/api/v1/models/{model}/shadow';

export function shadowRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    // POSTs, as the other actions: the app's Editor proxy route passes POST only (app-plugin/src/plugin.json).
    defineRoute({
      method: 'post',
      path,
      summary: 'Start a shadow: the version scores the champion\'s requests after each reply, never serving them (replaces a running shadow; the same version again changes nothing)',
      tags: ['serving'],
      permission: 'edit',
      params: modelParams,
      body: z.object({ version: versionNameSchema, reason: reasonSchema.optional() }).meta({ id: 'StartShadowRequest' }),
      responses: {
        200: { description: 'The shadow runs', schema: shadowStatusReply },
        404: { description: 'No such model or version' },
        409: { description: 'The version is the champion' },
        422: { description: 'The model has no champion, or the version cannot be loaded' },
      },
      handler: async ({ params, body, actor }) => ok(await ctx.shadows.start(params.model, body, actor!)),
    }),
    defineRoute({
      method: 'post',
      path: `${path}/stop`,
      summary: 'Stop the running shadow',
      tags: ['serving'],
      permission: 'edit',
      params: modelParams,
      body: z.object({ reason: reasonSchema.optional() }).meta({ id: 'StopShadowRequest' }),
      responses: {
        200: { description: 'Stopped; the reply shows it and its comparison', schema: shadowStatusReply },
        404: { description: 'No such model, or no shadow running' },
      },
      handler: async ({ params, body, actor }) => ok(await ctx.shadows.stop(params.model, body.reason, actor!)),
    }),
    defineRoute({
      method: 'get',
      path,
      summary: 'The shadow (running, else the newest stopped) and how it compares with the champion: score agreement, score drift between the two, latency and error rate of each',
      tags: ['serving'],
      permission: 'read',
      params: modelParams,
      query: z.object({
        from: timeInput.optional().meta({ description: "Default: the shadow's start" }),
        to: timeInput.optional().meta({ description: 'Default: now (or when it stopped)' }),
      }),
      responses: { 200: { description: 'Shadow status and comparison', schema: shadowStatusReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) => ok(await ctx.shadows.status(params.model, query)),
    }),
  ];
}
