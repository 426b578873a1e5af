import type { Logger } from 'pino';
import type { AlertService } from './alerts/alert-service.ts';
import type { AuditLog } from './audit/audit.ts';
import type { TokenService } from './auth/tokens.ts';
import type { Config } from './config/config.ts';
import type { ServiceMetrics } from './metrics/registry.ts';
import type { ModelService } from './registry/models.ts';
import type { Store } from './store/database.ts';

/**
 * The service's parts, built once at start (see server.ts) and handed to the routes.
 * Each area adds its service here.
 */
export interface AppContext {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: ServiceMetrics;
  tokens: TokenService;
  audit: AuditLog;
  models: ModelService;
  /** Alert webhooks, policies, incidents (alerts/). */
  alerts: AlertService;
  /** Work to do on shutdown (flush rollups, stop workers), run in reverse order. */
  onClose: Array<() => Promise<void> | void>;
}
