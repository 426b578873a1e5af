import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Actor, Permission } from '../auth/roles.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; `undefined` only on public routes. */
  actor: Actor | undefined;
  req: Request;
  res: Response;
}

/** What a handler answers. `undefined` means the handler wrote the response itself (streams). */
export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export const ok = (body: unknown): HttpReply => ({ status: 200, body });
export const created = (body: unknown): HttpReply => ({ status: 201, body });
export const accepted = (body: unknown): HttpReply => ({ status: 202, body });
export const noContent = (): HttpReply => ({ status: 204, body: undefined });

/**
 * One HTTP operation: how it is validated, who may call it, and what it does. The same
 * definition drives Express, the auth check and the OpenAPI document, so they never drift.
 */
export interface RouteDefinition<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. `/api/v1/models/{model}`. */
  path: string;
  summary: string;
  tags: string[];
  permission: Permission | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Content types the body may come in (documented); default application/json. */
  bodyContentTypes?: string[];
  /** Extra Express middleware run after authentication, before validation (e.g. multipart parsing). */
  middleware?: RequestHandler[];
  /**
   * Bodies up to MODELWATCH_MAX_BODY_MB (ingest batches, uploads, samples) instead of the
   * small default (http/read-body.ts SMALL_BODY_BYTES). Bodies are read only after authentication.
   */
  largeBody?: boolean;
  responses: Record<number, RouteResponse>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<HttpReply | undefined>;
}

/** Keeps each route's generic types while collecting them in one array. */
export const defineRoute = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: RouteDefinition<P, Q, B>,
): RouteDefinition => route as unknown as RouteDefinition;

export const expressPath = (openApiPath: string): string => openApiPath.replace(/\{(\w+)\}/g, ':$1');
