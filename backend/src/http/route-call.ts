import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.ts';
import { validationError } from '../core/zod-errors.ts';
import { authorize } from './auth.ts';
import { toHttpError, type ErrorBody } from './error-body.ts';
import { bodyParsers, SMALL_BODY_BYTES } from './read-body.ts';
import type { HttpReply, RouteDefinition } from './route.ts';

/** One request as a route sees it, whichever server received it (http/app.ts, http/serving-dispatch.ts). */
export interface RouteRequest {
  headers: IncomingHttpHeaders;
  params: Record<string, string | string[]>;
  query: unknown;
  /** Reads the body (after authentication) and returns it parsed; it throws a 413 or 400 as the route's parsers do. */
  readBody: () => Promise<unknown>;
  req: Request;
  res: Response;
}

/**
 * The work of one route on one request, the same on the main port (Express) and on the serving
 * thread's port: authentication first (nothing of an unauthenticated request's body is read or
 * parsed), then the body, then params, query and body parsed by the route's schemas (a 400
 * naming the field), then the handler.
 */
export async function callRoute(route: RouteDefinition, tokens: Pick<TokenService, 'authenticate'>, request: RouteRequest): Promise<HttpReply | undefined> {
  const actor = route.permission === 'public' ? undefined : await authorize(request.headers, request.params, tokens, route.permission);
  const rawBody = await request.readBody();
  const params = parse(route.params, request.params, 'path');
  const query = parse(route.query, request.query, 'query');
  const body = parse(route.body, rawBody, 'body');
  return route.handler({ params, query, body, actor, req: request.req, res: request.res });
}

/** A route's body limit and parsers: its own limit (route.ts `largeBody`); none for GET, whose bodies are never read (Node discards them unbuffered, as it does for unknown routes). */
export function routeBodyParsers(route: RouteDefinition, maxBodyBytes: number): { bodyLimit: number; parsers: RequestHandler[] } {
  const bodyLimit = route.largeBody ? maxBodyBytes : Math.min(SMALL_BODY_BYTES, maxBodyBytes);
  return { bodyLimit, parsers: route.method === 'get' ? [] : bodyParsers(bodyLimit) };
}

/** What a server records of each request a route served: the route's path (not the URL), so the label set stays bounded. */
export interface HttpDurationMetric {
  observe(labels: { method: string; route: string; status: string }, seconds: number): void;
}

/** Observes the request's duration once its reply is sent. */
export function timeRequest(metric: HttpDurationMetric, route: RouteDefinition, res: { statusCode: number; once(event: 'finish', listener: () => void): unknown }): void {
  const startedAt = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    metric.observe({ method: route.method.toUpperCase(), route: route.path, status: String(res.statusCode) }, seconds);
  });
}

/** The status and error body (docs/api.md) of anything a request threw; unexpected ones are logged. */
export function errorReply(error: unknown, logger: Pick<Logger, 'error'>, method: string, path: string): { status: number; body: ErrorBody } {
  const { status, body, unexpected } = toHttpError(error);
  if (unexpected) logger.error({ err: error, method, path }, 'request failed');
  return { status, body };
}

function parse(schema: RouteDefinition['body'], value: unknown, where: string): any {
  if (!schema) return value;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
