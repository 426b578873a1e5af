import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { secretsEqual } from '../../auth/tokens.ts';
import { DomainError } from '../../core/errors.ts';
import { serviceVersion } from '../../core/version.ts';
import { buildOpenApiDocument } from '../openapi.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const readyTimeoutMs = 2000;

/** GET /healthz: the main port's and the serving thread's (http/serving-app.ts). */
export const healthzRoute = (): RouteDefinition =>
  defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    tags: ['service'],
    permission: 'public',
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => ok({ status: 'ok' }),
  });

export function serviceRoutes(ctx: AppContext, allRoutes: () => RouteDefinition[]): RouteDefinition[] {
  let openApi: unknown;
  return [
    healthzRoute(),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the store is open and migrated',
      tags: ['service'],
      permission: 'public',
      responses: {
        200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), store: z.string() }) },
        503: { description: 'Not ready' },
      },
      handler: async () => {
        try {
          // Bounded: a wedged store (a connection never released) answers 503 within seconds,
          // so a probe on /readyz restarts the process (docs/operations.md).
          await sql`select 1`.execute(ctx.store.db, { signal: AbortSignal.timeout(readyTimeoutMs) });
        } catch (error) {
          const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${readyTimeoutMs} ms` : (error as Error).message;
          throw new DomainError('unavailable', `store not reachable: ${reason}`);
        }
        return ok({ status: 'ready', store: ctx.store.dialect });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus exposition',
      tags: ['service'],
      permission: 'public',
      responses: { 200: { description: 'Metrics in the Prometheus text format', contentType: 'text/plain', schema: z.string() } },
      handler: async ({ req }) => {
        const expected = ctx.config.metricsToken;
        if (expected && !secretsEqual(req.get('authorization') ?? '', `Bearer ${expected}`)) {
          throw new DomainError('unauthenticated', 'this /metrics needs "Authorization: Bearer <MODELWATCH_METRICS_TOKEN>"');
        }
        return {
          status: 200,
          body: await ctx.metrics.prometheus.metrics(),
          contentType: ctx.metrics.prometheus.contentType,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This API, described in OpenAPI 3.1',
      tags: ['service'],
      permission: 'public',
      responses: { 200: { description: 'OpenAPI document' } },
      handler: async () => ok((openApi ??= buildOpenApiDocument(allRoutes(), serviceVersion))),
    }),
  ];
}
