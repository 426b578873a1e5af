/**
 * Serves the harness bundle and stands in for Grafana's plugin proxy: requests to
 * /api/plugin-proxy/<app>/{read,edit,admin}/* (plugin.json `routes`) and
 * /api/plugins/<app>/resources/* are forwarded to the backend with the token added here,
 * server-side, as Grafana does, so the page never holds it. Anything else under /a/<app>/
 * gets index.html (the app's own router takes over).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const APP_ID = 'modelwatch-mlops-app';
const PROXY_PREFIX = `/api/plugin-proxy/${APP_ID}/`;
const RESOURCES_PREFIX = `/api/plugins/${APP_ID}/resources/`;
/** The route's method as in plugin.json; Grafana answers 404 for a method a route does not list. */
const ROUTE_METHODS: Record<string, string[]> = { read: ['GET'], edit: ['POST'], admin: ['POST', 'PUT'] };
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };

export interface HarnessServer {
  url: string;
  /** Proxied requests, for assertions: "METHOD /backend/path". */
  proxied: string[];
  close(): Promise<void>;
}

export async function startHarnessServer(staticDir: string, backendUrl: string, token: string): Promise<HarnessServer> {
  const proxied: string[] = [];
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://harness');
      let backendPath: string | undefined;
      if (url.pathname.startsWith(PROXY_PREFIX)) {
        const [route = '', ...rest] = url.pathname.slice(PROXY_PREFIX.length).split('/');
        if (!ROUTE_METHODS[route]?.includes(req.method ?? 'GET')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no plugin route"}');
          return;
        }
        backendPath = `/${rest.join('/')}`;
      } else if (url.pathname.startsWith(RESOURCES_PREFIX)) {
        backendPath = `/${url.pathname.slice(RESOURCES_PREFIX.length)}`;
      }
      if (backendPath !== undefined) {
        await forward(req, res, new URL(backendPath + url.search, backendUrl), token);
        proxied.push(`${req.method} ${backendPath}`);
        return;
      }
      const file = path.join(staticDir, path.normalize(url.pathname).replace(/^\/+/, ''));
      if (file.startsWith(staticDir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        fs.createReadStream(file).pipe(res);
        return;
      }
      if (url.pathname === '/' || url.pathname.startsWith(`/a/${APP_ID}`)) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(fs.readFileSync(path.join(staticDir, 'index.html')));
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    proxied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL, token: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  for (const name of ['content-type', 'accept', 'idempotency-key']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const response = await fetch(target, {
    method: req.method,
    headers,
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
  });
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream' });
  res.end(body);
}
