import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { z } from 'zod';
import type { RouteDefinition } from './route.ts';

const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .meta({ id: 'Error' });

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(routes: RouteDefinition[], version: string): unknown {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const responses: Record<string, ZodOpenApiResponseObject> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
          : {}),
      };
    }
    if (route.permission !== 'public') {
      responses['401'] = { description: 'Missing or invalid token', content: { 'application/json': { schema: errorSchema } } };
      responses['403'] = { description: 'Token lacks the permission', content: { 'application/json': { schema: errorSchema } } };
    }
    if (route.params || route.query || route.body) {
      responses['400'] = { description: 'Invalid input', content: { 'application/json': { schema: errorSchema } } };
    }
    const operation: ZodOpenApiOperationObject = {
      summary: route.summary,
      tags: route.tags,
      operationId: `${route.method}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(route.permission === 'public' ? { security: [] } : { 'x-modelwatch-permission': route.permission }),
      responses: responses as ZodOpenApiOperationObject['responses'],
    };
    const requestParams: NonNullable<ZodOpenApiOperationObject['requestParams']> = {};
    if (route.params) requestParams.path = route.params as never;
    if (route.query) requestParams.query = route.query as never;
    if (route.params || route.query) operation.requestParams = requestParams;
    if (route.body) {
      operation.requestBody = {
        content: Object.fromEntries(
          (route.bodyContentTypes ?? ['application/json']).map((type) => [type, { schema: route.body as z.ZodType }]),
        ),
      };
    }
    const pathItem = (paths[route.path] ??= {});
    (pathItem as Record<string, unknown>)[route.method] = operation;
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'ModelWatch API',
      version,
      description: 'Monitoring, A/B testing, retraining and safe rollout of production ML models.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  });
}
