/** The two senders the webhooks accept. */
export const alertSources = ['grafana', 'alertmanager'] as const;
export type AlertSource = (typeof alertSources)[number];

/** What a policy can do about an alert. `none` records the alert and does nothing. */
export const policyActions = ['retrain', 'rollback', 'stop_experiment', 'none'] as const;
export type PolicyAction = (typeof policyActions)[number];
export type PerformedAction = Exclude<PolicyAction, 'none'>;

export const policyModes = ['auto', 'dry_run', 'approval'] as const;
export type PolicyMode = (typeof policyModes)[number];

/** One alert of a notification, the same for both senders. Times in epoch ms. */
export interface NormalizedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number | null;
  fingerprint: string;
  generatorURL: string | null;
  /** Grafana's `values` (refId → value), when sent. */
  values: Record<string, unknown> | null;
}

/** One webhook delivery, normalized. */
export interface AlertNotification {
  source: AlertSource;
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  externalURL: string | null;
  alerts: NormalizedAlert[];
}
