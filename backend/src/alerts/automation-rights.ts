import type { Actor } from '../auth/roles.ts';
import type { PerformedAction } from './types.ts';

/**
 * What the sender of an alert may have the service do on its own (docs/security.md): an action
 * runs with at most the sender's rights, so a credential that could not press the button by
 * hand cannot press it through an alert either.
 *
 * - retrain and stopping an experiment without a decision: editor, admin or webhook;
 * - rollback, and stopping an experiment with decision "rollback": admin, or the dedicated
 *   `webhook` credential an admin created for alerts (a `webhook` token, or Grafana's HMAC
 *   with MODELWATCH_WEBHOOK_SECRET).
 *
 * Anything else waits for an admin's approval instead of acting.
 */

/** Who sent an alert: the authenticated webhook caller, and a stable id for its rate limit. */
export interface AlertSender {
  actor: Actor;
  /** The token id, or `hmac` for the webhook secret. */
  credential: string;
}

const championChanging = (action: PerformedAction, labels: Record<string, string>): boolean =>
  action === 'rollback' || (action === 'stop_experiment' && labels.decision === 'rollback');

/** null when the sender may have it done; otherwise why not, for the decision's reason. */
export function automationDenied(sender: AlertSender, action: PerformedAction, labels: Record<string, string>): string | null {
  const role = sender.actor.role;
  if (championChanging(action, labels)) {
    return role === 'admin' || role === 'webhook'
      ? null
      : `approval required: a ${role} credential may not change the champion through an alert (only an admin or the webhook credential may)`;
  }
  return role === 'editor' || role === 'admin' || role === 'webhook' ? null : `approval required: a ${role} credential may not ${action}`;
}

/**
 * Who the action runs as (the sender is on the decision and in the webhook's audit entry). The webhook credential's actions are the ones automationDenied lets
 * through, and the services check the admin right for a champion change (actions/stop-experiment.ts),
 * so it acts with that right for exactly those; everyone else acts with their own role.
 */
export function automationActor(policyName: string | null, sender: AlertSender): Actor {
  const role = sender.actor.role === 'webhook' ? 'admin' : sender.actor.role;
  return { name: `policy:${policyName ?? 'none'}`, role };
}
