import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/database.ts';
import type { ActionPerformer } from './action-performer.ts';
import type { AlertDeps } from './alert-deps.ts';
import { AlertMetrics } from './alert-metrics.ts';
import type { AlertResult, Decision, Incident } from './alert-records.ts';
import { AlertStore, type IncidentQuery } from './alert-store.ts';
import type { AlertSender } from './automation-rights.ts';
import { approvePending, listPending, rejectPending } from './approvals.ts';
import { getIncident, listIncidents } from './incidents.ts';
import { getPolicies, putPolicies, resetPolicies, type PolicyView } from './policies.ts';
import type { PolicyDocument } from './policy-schema.ts';
import { receiveNotification } from './receive-notification.ts';
import type { AlertNotification } from './types.ts';

export interface AlertServiceDeps {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  prometheus: Registry;
  performer: ActionPerformer;
}

/**
 * Alerts in, decisions and actions out: the routes' entry to the alert use cases (one file
 * each: receive-notification, fire-alert, resolve-alert, approvals, incidents, policies).
 */
export class AlertService {
  private readonly deps: AlertDeps;

  constructor(deps: AlertServiceDeps) {
    this.deps = {
      store: new AlertStore(deps.store),
      audit: deps.audit,
      logger: deps.logger,
      clock: deps.clock,
      metrics: new AlertMetrics(deps.prometheus),
      performer: deps.performer,
    };
  }

  policies(): Promise<PolicyView> {
    return getPolicies(this.deps);
  }
  setPolicies(document: PolicyDocument, actor: Actor): Promise<PolicyView> {
    return putPolicies(this.deps, document, actor);
  }
  resetPolicies(actor: Actor): Promise<PolicyView> {
    return resetPolicies(this.deps, actor);
  }
  /** Handles one webhook delivery; the reply lists what was decided for each alert. */
  receive(notification: AlertNotification, sender: AlertSender): Promise<AlertResult[]> {
    return receiveNotification(this.deps, notification, sender);
  }
  listPending(): Promise<Array<Decision & { incident: Incident }>> {
    return listPending(this.deps);
  }
  approve(id: string, actor: Actor, note?: string): Promise<Decision> {
    return approvePending(this.deps, id, actor, note);
  }
  reject(id: string, actor: Actor, note?: string): Promise<Decision> {
    return rejectPending(this.deps, id, actor, note);
  }
  listIncidents(query: IncidentQuery = {}): Promise<Incident[]> {
    return listIncidents(this.deps, query);
  }
  getIncident(id: string): Promise<Incident & { decisions: Decision[] }> {
    return getIncident(this.deps, id);
  }
}
