import type { RequestListener } from 'node:http';
import type { AppShell } from './app.ts';
import type { AppContext } from './app-context.ts';
import { createRouteDispatcher } from './route-dispatch.ts';
import { healthzRoute } from './routes/service.ts';
import { predictRoute } from './routes/serving.ts';

/**
 * The serving thread's HTTP listener (compose/serving-worker.ts): POST /predict and GET /healthz,
 * the main port's own route definitions run by the same per-request code (http/route-call.ts),
 * so paths, bodies, auth, validation, status codes and error messages are the main port's;
 * dispatched without Express (http/route-dispatch.ts), which cost this thread more than scoring.
 */
export function createServingApp(shell: AppShell, serving: Pick<AppContext['serving'], 'predict'>): RequestListener {
  return createRouteDispatcher(
    shell,
    [healthzRoute(), predictRoute(serving)],
    (method, path) => `no route for ${method} ${path} on the serving port, which answers POST /api/v1/models/{model}/predict and GET /healthz; the rest of the API (and /api/v1/openapi.json) is on the main port`,
  );
}
