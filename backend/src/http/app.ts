import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { bodyParsers, readBody, runMiddleware, SMALL_BODY_BYTES } from './read-body.ts';
import type { AppContext } from './app-context.ts';
import { authorize } from './auth.ts';
import { errorBody, toHttpError } from './error-body.ts';
import { validationError } from '../core/zod-errors.ts';
import { expressPath, type RouteDefinition } from './route.ts';

/** What the app itself uses of the context: the routes get the rest (the serving thread's app is built from less, http/serving-app.ts). */
export type AppShell = Pick<AppContext, 'config' | 'logger'> & {
  tokens: Pick<AppContext['tokens'], 'authenticate'>;
  metrics: { httpDuration: { observe(labels: { method: string; route: string; status: string }, seconds: number): void } };
};

/**
 * Builds the Express app from route definitions. Started separately (server.ts), so tests
 * run it in-process on port 0.
 */
/** The 404 of a path no route serves: where to look instead. */
const pointToOpenApi = (method: string, path: string): string => `no route for ${method} ${path}; see /api/v1/openapi.json`;

export function createApp(ctx: AppShell, routes: RouteDefinition[], noRoute: (method: string, path: string) => string = pointToOpenApi): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  for (const route of routes) {
    const path = expressPath(route.path);
    const bodyLimit = route.largeBody ? ctx.config.maxBodyBytes : Math.min(SMALL_BODY_BYTES, ctx.config.maxBodyBytes);
    // GET bodies are never read: Node discards them unbuffered (as it does for unknown routes).
    const parsers = route.method === 'get' ? [] : bodyParsers(bodyLimit);
    app[route.method](path, async (req: Request, res: Response, next: NextFunction) => {
      const startedAt = process.hrtime.bigint();
      res.on('finish', () => {
        const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
        ctx.metrics.httpDuration.observe({ method: route.method.toUpperCase(), route: route.path, status: String(res.statusCode) }, seconds);
      });
      try {
        // Authentication first: nothing of an unauthenticated request's body is read or parsed.
        const actor = route.permission === 'public' ? undefined : await authorize(req, ctx.tokens, route.permission);
        await readBody(parsers, bodyLimit, req, res);
        for (const middleware of route.middleware ?? []) await runMiddleware(middleware, req, res);
        const params = parse(route.params, req.params, 'path');
        const query = parse(route.query, req.query, 'query');
        const body = parse(route.body, req.body, 'body');
        const reply = await route.handler({ params, query, body, actor, req, res });
        if (!reply || res.headersSent) return;
        for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
        if (reply.body === undefined) {
          res.status(reply.status).end();
        } else if (reply.contentType && typeof reply.body === 'string') {
          res.status(reply.status).type(reply.contentType).send(reply.body);
        } else {
          res.status(reply.status).json(reply.body);
        }
      } catch (error) {
        next(error);
      }
    });
  }

  app.use((req: Request, res: Response) => {
    res.status(404).json(errorBody('not_found', noRoute(req.method, req.path)));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body, unexpected } = toHttpError(error);
    if (unexpected) ctx.logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  });
  return app;
}

function parse(schema: RouteDefinition['body'], value: unknown, where: string): any {
  if (!schema) return value;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
