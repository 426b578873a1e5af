import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { ActionPerformer } from './action-performer.ts';
import type { AlertMetrics } from './alert-metrics.ts';
import type { AlertStore } from './alert-store.ts';

/** What the alert use cases work with; AlertService builds it once. */
export interface AlertDeps {
  store: AlertStore;
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  metrics: AlertMetrics;
  performer: ActionPerformer;
}
