import fs from 'node:fs';
import path from 'node:path';
import type { AlertSender } from '../alerts/automation-rights.ts';
import type { AlertResult } from '../alerts/alert-records.ts';
import { alertmanagerPayloadSchema, normalizeNotification } from '../alerts/payloads.ts';
import type { AlertNotification } from '../alerts/types.ts';
import { authenticateWebhook } from '../alerts/webhook-auth.ts';
import { alertmanagerPayload, loadRules, parseExposition, RuleEvaluator, type AlertRule, type FiredAlert, type Sample } from './rule-evaluator.ts';

const rulesDir = path.resolve(import.meta.dirname, '../../../provisioning/prometheus/rules');

/** The shipped alert rules (provisioning/prometheus/rules/*.yml, without the rule tests). */
export function shippedRules(): { rules: AlertRule[]; skipped: string[] } {
  return loadRules(
    fs
      .readdirSync(rulesDir)
      .filter((f) => f.endsWith('.yml') && !f.endsWith('_test.yml'))
      .sort()
      .map((f) => path.join(rulesDir, f)),
  );
}

export interface AlertPorts {
  /** The service's /metrics exposition. */
  metrics(): Promise<string>;
  authenticateToken: Parameters<typeof authenticateWebhook>[0]['authenticateToken'];
  receive(notification: AlertNotification, sender: AlertSender): Promise<AlertResult[]>;
}

export interface Delivered {
  alert: FiredAlert;
  result: AlertResult | null;
}

/**
 * Prometheus + Alertmanager on virtual time: each call evaluates the rules on the service's
 * metrics at `now` (`for:` counted on that clock) and delivers each firing or resolved alert
 * as its own Alertmanager v4 notification through what the webhook route does: the bearer
 * token authenticated by the route's authenticateWebhook, the payload parsed by its schema and
 * normalized, then the alert domain's receive.
 */
export class AlertDelivery {
  private readonly evaluator: RuleEvaluator;
  private readonly ports: AlertPorts;
  private readonly token: string;
  private readonly deliver: boolean;

  constructor(rules: AlertRule[], ports: AlertPorts, webhookToken: string, deliver: boolean) {
    this.evaluator = new RuleEvaluator(rules);
    this.ports = ports;
    this.token = webhookToken;
    this.deliver = deliver;
  }

  async step(now: number): Promise<{ samples: Sample[]; delivered: Delivered[] }> {
    const samples = parseExposition(await this.ports.metrics());
    const delivered: Delivered[] = [];
    for (const alert of this.evaluator.evaluate(samples, now)) {
      if (!this.deliver) {
        delivered.push({ alert, result: null });
        continue;
      }
      const sender = await authenticateWebhook({
        header: (name) => (name.toLowerCase() === 'authorization' ? `Bearer ${this.token}` : undefined),
        rawBody: undefined,
        secret: undefined,
        nowMs: now,
        authenticateToken: this.ports.authenticateToken,
      });
      const payload = alertmanagerPayloadSchema.parse(alertmanagerPayload([alert]));
      const [result] = await this.ports.receive(normalizeNotification('alertmanager', payload), sender);
      delivered.push({ alert, result: result ?? null });
    }
    return { samples, delivered };
  }
}
