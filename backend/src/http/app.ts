import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { readBody, runMiddleware } from './read-body.ts';
import type { AppContext } from './app-context.ts';
import { errorBody } from './error-body.ts';
import { callRoute, errorReply, routeBodyParsers, timeRequest, type HttpDurationMetric } from './route-call.ts';
import { expressPath, type RouteDefinition } from './route.ts';

/** What the app itself uses of the context: the routes get the rest (the serving thread's app is built from less, http/serving-app.ts). */
export type AppShell = Pick<AppContext, 'config' | 'logger'> & {
  tokens: Pick<AppContext['tokens'], 'authenticate'>;
  metrics: { httpDuration: HttpDurationMetric };
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
    const { bodyLimit, parsers } = routeBodyParsers(route, ctx.config.maxBodyBytes);
    app[route.method](path, async (req: Request, res: Response, next: NextFunction) => {
      timeRequest(ctx.metrics.httpDuration, route, res);
      try {
        const reply = await callRoute(route, ctx.tokens, {
          headers: req.headers,
          params: req.params,
          query: req.query,
          readBody: async () => {
            await readBody(parsers, bodyLimit, req, res);
            for (const middleware of route.middleware ?? []) await runMiddleware(middleware, req, res);
            return req.body;
          },
          req,
          res,
        });
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
    const { status, body } = errorReply(error, ctx.logger, req.method, req.path);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json(body);
  });
  return app;
}

