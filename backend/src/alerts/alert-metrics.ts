import { Counter, type Registry } from 'prom-client';

/** The alerts' Prometheus counters. */
export class AlertMetrics {
  readonly notifications: Counter<'source' | 'status'>;
  readonly decisions: Counter<'action' | 'outcome'>;

  constructor(prometheus: Registry) {
    this.notifications = new Counter({
      name: 'modelwatch_alert_notifications_total',
      help: 'Alert webhook deliveries accepted, by sender and notification status.',
      labelNames: ['source', 'status'] as const,
      registers: [prometheus],
    });
    this.decisions = new Counter({
      name: 'modelwatch_alert_decisions_total',
      help: 'Policy decisions on alert instances, by action and outcome (duplicate deliveries included).',
      labelNames: ['action', 'outcome'] as const,
      registers: [prometheus],
    });
  }
}
