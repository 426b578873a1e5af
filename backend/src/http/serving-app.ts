import type { Express } from 'express';
import { createApp, type AppShell } from './app.ts';
import { healthzRoute } from './routes/service.ts';
import { predictRoute } from './routes/serving.ts';
import type { AppContext } from './app-context.ts';

/**
 * The serving thread's HTTP app (compose/serving-worker.ts): POST /predict and GET /healthz,
 * built from the main port's own route definitions by the same createApp, so paths, bodies,
 * auth, validation, status codes and error messages are the main port's.
 */
export function createServingApp(shell: AppShell, serving: Pick<AppContext['serving'], 'predict'>): Express {
  return createApp(
    shell,
    [healthzRoute(), predictRoute(serving)],
    (method, path) => `no route for ${method} ${path} on the serving port, which answers POST /api/v1/models/{model}/predict and GET /healthz; the rest of the API (and /api/v1/openapi.json) is on the main port`,
  );
}
