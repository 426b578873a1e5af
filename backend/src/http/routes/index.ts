import type { AppContext } from '../app-context.ts';
import type { RouteDefinition } from '../route.ts';
import { actionRoutes } from './actions.ts';
import { auditRoutes } from './audit.ts';
import { experimentRoutes } from './experiments.ts';
import { jobRoutes } from './jobs.ts';
import { modelRoutes } from './models.ts';
import { monitoringRoutes } from './monitoring.ts';
import { policyRoutes } from './policies.ts';
import { retrainRoutes } from './retrain.ts';
import { serviceRoutes } from './service.ts';
import { servingRoutes } from './serving.ts';
import { shadowRoutes } from './shadow.ts';
import { statsAbtestRoutes } from './stats-abtest.ts';
import { statsDriftRoutes } from './stats-drift.ts';
import { tokenRoutes } from './tokens.ts';
import { versionRoutes } from './versions.ts';
import { webhookRoutes } from './webhooks.ts';

/** Every route of the API. Each area contributes a function returning its routes. */
export function allRoutes(ctx: AppContext): RouteDefinition[] {
  const routes: RouteDefinition[] = [
    ...serviceRoutes(ctx, () => routes),
    ...tokenRoutes(ctx),
    ...modelRoutes(ctx),
    ...auditRoutes(ctx),
    ...monitoringRoutes(ctx),
    ...statsDriftRoutes(ctx),
    ...statsAbtestRoutes(ctx),
    ...versionRoutes(ctx),
    ...servingRoutes(ctx),
    ...shadowRoutes(ctx),
    ...actionRoutes(ctx),
    ...experimentRoutes(ctx),
    ...retrainRoutes(ctx),
    ...jobRoutes(ctx),
    ...webhookRoutes(ctx),
    ...policyRoutes(ctx),
  ];
  return routes;
}
