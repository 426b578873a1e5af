import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { roles } from '../../auth/roles.ts';
import { created, defineRoute, noContent, ok, type RouteDefinition } from '../route.ts';

const tokenInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(roles),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    models: z.array(z.string()).nullable(),
    grafana: z.boolean(),
  })
  .meta({ id: 'TokenInfo' });

const createTokenBody = z.object({
  name: z.string().trim().min(1).max(128),
  role: z.enum(roles),
  /** Ingest tokens only: the models it may write to (default: any). */
  models: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
  /** A token for Grafana's proxy: only such a token's X-Grafana-User header names the audit actor. */
  grafana: z.boolean().optional(),
});

export function tokenRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/tokens',
      summary: 'Create an API token (the secret is shown once)',
      tags: ['auth'],
      permission: 'admin',
      body: createTokenBody,
      responses: { 201: { description: 'Created', schema: z.object({ token: z.string(), info: tokenInfoSchema }) } },
      handler: async ({ body, actor }) => {
        const result = await ctx.tokens.create(body.name, body.role, { models: body.models, origin: body.grafana ? 'grafana' : undefined });
        await ctx.audit.record({
          type: 'token.created',
          actor: actor!,
          details: { id: result.info.id, name: body.name, role: body.role, models: result.info.models, grafana: result.info.grafana },
        });
        return created(result);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/tokens',
      summary: 'List API tokens (never their secrets)',
      tags: ['auth'],
      permission: 'admin',
      responses: { 200: { description: 'Tokens', schema: z.object({ tokens: z.array(tokenInfoSchema) }) } },
      handler: async () => ok({ tokens: await ctx.tokens.list() }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/tokens/{id}',
      summary: 'Revoke an API token',
      tags: ['auth'],
      permission: 'admin',
      params: z.object({ id: z.string().min(1) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such token' } },
      handler: async ({ params, actor }) => {
        await ctx.tokens.revoke(params.id);
        await ctx.audit.record({ type: 'token.revoked', actor: actor!, details: { id: params.id } });
        return noContent();
      },
    }),
  ];
}
