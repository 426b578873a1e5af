import type { Request } from 'express';
import { z } from 'zod';
import type { ActionReply } from '../../actions/action-types.ts';
import { actionReplySchema, actionSchema, promoteBodySchema, rollbackBodySchema } from '../../actions/action-types.ts';
import type { AppContext } from '../app-context.ts';
import { invalid } from '../../core/errors.ts';
import { modelParams } from '../../core/schemas.ts';
import { defineRoute, ok, type HttpReply, type RouteDefinition } from '../route.ts';

/** The Idempotency-Key header, if any (1 to 200 printable characters). */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw invalid('Idempotency-Key: 1 to 200 printable ASCII characters, no spaces');
  return key;
}

/** 200 when done, 202 while a canary ramp runs; a replay says so in a header. */
export function actionReply(reply: ActionReply): HttpReply {
  return {
    status: reply.action.status === 'running' ? 202 : 200,
    body: { action: reply.action },
    headers: reply.replayed ? { 'idempotent-replayed': 'true' } : {},
  };
}

const idempotencyDoc = 'Send an Idempotency-Key header to make retries safe: the same key from the same token answers the first result.';

export function actionRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/actions/promote',
      summary: `Make a version (default: the challenger) the champion, directly or as a canary ramp. ${idempotencyDoc}`,
      tags: ['actions'],
      permission: 'admin',
      params: modelParams,
      body: promoteBodySchema,
      responses: {
        200: { description: 'Promoted', schema: actionReplySchema },
        202: { description: 'Canary ramp started', schema: actionReplySchema },
        404: { description: 'No such model or version' },
        409: { description: 'Already champion, or the champion changed meanwhile' },
        422: { description: 'No challenger, validation failed or pending, or the version cannot be loaded' },
      },
      handler: async ({ params, body, actor, req }) =>
        actionReply(await ctx.actions.promote(params.model, body, actor!, idempotencyKeyOf(req))),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/actions/rollback',
      summary: `Make the previous champion (or toVersion) serve again, at once or (mode "gradual") stepping its traffic down; stops a running canary first. ${idempotencyDoc}`,
      tags: ['actions'],
      permission: 'admin',
      params: modelParams,
      body: rollbackBodySchema,
      responses: {
        200: { description: 'Rolled back', schema: actionReplySchema },
        202: { description: 'Gradual rollback started (the action is running; GET /api/v1/actions/{id} follows it)', schema: actionReplySchema },
        404: { description: 'No such model or version' },
        409: { description: 'Already champion' },
        422: { description: 'Nothing to roll back to' },
      },
      handler: async ({ params, body, actor, req }) =>
        actionReply(await ctx.actions.rollback(params.model, body, actor!, idempotencyKeyOf(req))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/actions',
      summary: 'Actions on a model, newest first',
      tags: ['actions'],
      permission: 'read',
      params: modelParams,
      query: z.object({ type: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
      responses: { 200: { description: 'Actions', schema: z.object({ actions: z.array(actionSchema) }) } },
      handler: async ({ params, query }) => ok({ actions: await ctx.actions.list(params.model, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/actions/{id}',
      summary: 'One action (its status, deployment hook outcome, canary steps)',
      tags: ['actions'],
      permission: 'read',
      params: z.object({ id: z.string().min(1).max(100) }),
      responses: { 200: { description: 'The action', schema: actionReplySchema }, 404: { description: 'No such action' } },
      handler: async ({ params }) => ok({ action: await ctx.actions.get(params.id) }),
    }),
  ];
}
