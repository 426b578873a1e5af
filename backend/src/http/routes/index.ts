import type { AppContext } from '../../app-context.ts';
import type { RouteDefinition } from '../route.ts';
import { auditRoutes } from './audit.ts';
import { modelRoutes } from './models.ts';
import { policyRoutes } from './policies.ts';
import { serviceRoutes } from './service.ts';
import { tokenRoutes } from './tokens.ts';
import { webhookRoutes } from './webhooks.ts';

/** Every route of the API. Each area contributes a function returning its routes. */
export function allRoutes(ctx: AppContext): RouteDefinition[] {
  const routes: RouteDefinition[] = [
    ...serviceRoutes(ctx, () => routes),
    ...tokenRoutes(ctx),
    ...modelRoutes(ctx),
    ...auditRoutes(ctx),
    ...webhookRoutes(ctx),
    ...policyRoutes(ctx),
  ];
  return routes;
}
