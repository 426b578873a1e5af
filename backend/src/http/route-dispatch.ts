import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { AppShell } from './app.ts';
import { errorBody } from './error-body.ts';
import { readBody } from './read-body.ts';
import { callRoute, errorReply, routeBodyParsers, timeRequest } from './route-call.ts';
import type { HttpReply, RouteDefinition } from './route.ts';

interface CompiledRoute {
  route: RouteDefinition;
  method: string;
  pattern: RegExp;
  names: string[];
  bodyLimit: number;
  parsers: ReturnType<typeof routeBodyParsers>['parsers'];
}

/**
 * A node:http request listener that serves route definitions without Express (the serving
 * thread's port, http/serving-app.ts): the same per-request work as the main port's app
 * (http/route-call.ts: authentication, the same body parsers and limits, the routes' schemas,
 * the error bodies), without Express's router and response layers, which cost the serving
 * thread more than scoring did (docs/benchmarks.md, issue 18). Paths match as Express matches
 * them: case-insensitive, an optional trailing slash, parameters URL-decoded, HEAD served by
 * GET routes. Routes with Express middleware or a query schema need Express: refused here.
 */
export function createRouteDispatcher(ctx: AppShell, routes: RouteDefinition[], noRoute: (method: string, path: string) => string): RequestListener {
  const compiled = routes.map((route): CompiledRoute => {
    if (route.middleware?.length || route.query) throw new Error(`${route.method.toUpperCase()} ${route.path}: Express middleware and query schemas need the Express app (http/app.ts)`);
    const names: string[] = [];
    const source = route.path
      .split(/\{(\w+)\}/)
      .map((part, i) => {
        if (i % 2 === 0) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(part);
        return '([^/]+)';
      })
      .join('');
    return { route, method: route.method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names, ...routeBodyParsers(route, ctx.config.maxBodyBytes) };
  });

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let match: RegExpExecArray | null = null;
    const found = compiled.find((c) => c.method === method && (match = c.pattern.exec(path)) !== null);
    if (!found || !match) {
      // Unread, as Express leaves it: Node discards the body of a request answered without reading it.
      sendJson(res, 404, errorBody('not_found', noRoute(req.method ?? '', path)));
      return;
    }
    void serve(ctx, found, match, req, res, path);
  };
}

async function serve(ctx: AppShell, c: CompiledRoute, match: RegExpExecArray, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  timeRequest(ctx.metrics.httpDuration, c.route, res);
  // The routes served here read neither (RouteContext types them as Express's; this listener has Node's).
  const expressReq = req as Request;
  const expressRes = res as Response;
  try {
    const params: Record<string, string> = {};
    c.names.forEach((name, i) => (params[name] = decodeParam(match[i + 1]!)));
    const reply = await callRoute(c.route, ctx.tokens, {
      headers: req.headers,
      params,
      query: {},
      readBody: async () => {
        await readBody(c.parsers, c.bodyLimit, expressReq, expressRes);
        return expressReq.body as unknown;
      },
      req: expressReq,
      res: expressRes,
    });
    if (!reply || res.headersSent) return;
    sendReply(res, reply);
  } catch (error) {
    const { status, body } = errorReply(error, ctx.logger, req.method ?? '', path);
    if (res.headersSent) res.end();
    else sendJson(res, status, body);
  }
}

/** URL-decodes a path parameter; a malformed escape is the 400 Express's router answers. */
function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw Object.assign(new Error(`Failed to decode param '${value}'`), { status: 400 });
  }
}

function sendReply(res: ServerResponse, reply: HttpReply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.statusCode = reply.status;
    res.end();
  } else if (reply.contentType && typeof reply.body === 'string') {
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.body) }).end(reply.body);
  } else {
    sendJson(res, reply.status, reply.body);
  }
}

/** JSON as Express's res.json writes it (the same bytes and content type; no ETag, which no client of POST /predict revalidates). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}
