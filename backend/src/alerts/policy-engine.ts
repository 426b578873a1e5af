import type { Policy, PolicyDocument } from './policy-schema.ts';
import type { PolicyAction, PolicyMode } from './types.ts';
import { maxOf } from '../core/arrays.ts';

/**
 * The policy decision for one firing alert instance: pure, no I/O. The caller supplies the
 * recent history (what was done or is waiting for approval) and the time.
 */

/** A past decision that counts for cooldowns and rate limits. */
export interface PastAction {
  model: string | null;
  action: PolicyAction;
  policy: string | null;
  /** When it acted, or when it started waiting for approval. */
  at: number;
  /** Recorded by a dry run: counts only for other dry runs, so a dry run shows what would happen. */
  dryRun: boolean;
  /** The credential that sent the alert (token id, or `hmac`); null before it was recorded. */
  sender?: string | null;
  /** Pending only because its sender lacked the right (alerts/automation-rights.ts), not by policy. */
  heldForRights?: boolean;
  /** The alert's `version` label (null: none). A rollback's cooldown is per version it aims at. */
  version?: string | null;
  /** The model's last retrain job, whoever queued it (ActionPerformer.lastRetrain): counts for the retrain cooldown only, not for rate limits. */
  external?: boolean;
  /** Why that retrain is still in flight (null or absent: it ended); holds a retrain policy until it ends. */
  inFlight?: string | null;
}

export type DecisionOutcome = 'act' | 'pending' | 'dry_run' | 'cooldown' | 'rate_limited' | 'ignored';

export interface PolicyDecision {
  outcome: DecisionOutcome;
  action: PolicyAction;
  model: string | null;
  policy: Policy | null;
  mode: PolicyMode;
  /** Why, in words, for the reply and the audit log. */
  reason: string;
}

const HOUR_MS = 3_600_000;

export function policyMatches(policy: Policy, labels: Record<string, string>): boolean {
  if (!policy.enabled) return false;
  for (const [name, expected] of Object.entries(policy.match)) {
    const value = labels[name];
    if (expected === '*' ? !value : value !== expected) return false;
  }
  for (const [name, pattern] of Object.entries(policy.matchRe)) {
    if (!new RegExp(`^(?:${pattern})$`).test(labels[name] ?? '')) return false;
  }
  return true;
}

/** How far back the history must reach for this document's cooldowns and rate limits. */
export function historyWindowMs(document: PolicyDocument): number {
  return maxOf(document.policies.map((p) => p.cooldown), HOUR_MS);
}

export function decide(
  labels: Record<string, string>,
  document: PolicyDocument,
  history: readonly PastAction[],
  now: number,
  sender?: string,
): PolicyDecision {
  const model = labels.model || null;
  const policy = document.policies.find((candidate) => policyMatches(candidate, labels)) ?? null;
  if (!policy) {
    return { outcome: 'ignored', action: 'none', model, policy: null, mode: 'auto', reason: 'no policy matches the alert labels' };
  }
  const mode: PolicyMode = document.dryRun ? 'dry_run' : policy.mode;
  const base = { action: policy.action, model, policy, mode };
  if (policy.action === 'none') {
    return { ...base, outcome: 'ignored', reason: `policy "${policy.name}" says no action` };
  }
  if (!model) {
    return { ...base, outcome: 'ignored', reason: 'the alert has no "model" label, so there is nothing to act on' };
  }
  const dryRun = mode === 'dry_run';
  // Dry runs see real actions and earlier dry runs; real actions never see dry runs.
  const relevant = history.filter((past) => dryRun || !past.dryRun);

  // A lower credential's held alert must not put a genuine sender's action into cooldown. A
  // rollback aims at the alert's version (actions/targeted-rollback.ts): stopping a failing
  // canary must not hold back the rollback of a failing champion.
  const version = labels.version || null;
  const sameTarget = (past: PastAction) => policy.action !== 'rollback' || (past.version ?? null) === version;
  const latest = relevant
    .filter((past) => past.model === model && past.action === policy.action && sameTarget(past) && (!past.heldForRights || past.sender === sender))
    .reduce<PastAction | null>((found, past) => (found && found.at >= past.at ? found : past), null);
  const last = latest?.at ?? -Infinity;
  if (policy.cooldown > 0 && now - last < policy.cooldown) {
    const waitS = Math.ceil((policy.cooldown - (now - last)) / 1000);
    const ago = Math.round((now - last) / 1000);
    const what = latest?.external
      ? `a retrain of "${model}" was queued ${ago} s ago outside the alert path (a schedule, a volume trigger or a person)`
      : `${policy.action} on "${model}"${policy.action === 'rollback' && version ? ` (version ${version})` : ''} already done or pending ${ago} s ago`;
    return { ...base, outcome: 'cooldown', reason: `${what}; cooldown ${policy.cooldown / 1000} s (${waitS} s left)` };
  }
  const inFlight = policy.action === 'retrain' ? relevant.find((past) => past.model === model && past.action === 'retrain' && past.inFlight)?.inFlight : undefined;
  if (inFlight) {
    return { ...base, outcome: 'cooldown', reason: `${inFlight}; no second retrain of "${model}" until it ends (a later firing of this alert acts then)` };
  }

  const lastHour = relevant.filter((past) => !past.external && now - past.at < HOUR_MS);
  // The hourly budget is per sending credential (all of them when none is given), so that one
  // credential cannot use up the hour and hold back another's genuine rollback; each model
  // has its own budget as well.
  const bySender = sender === undefined ? lastHour : lastHour.filter((past) => past.sender === sender);
  if (bySender.length >= document.maxActionsPerHour) {
    const whose = sender === undefined ? '' : ' for the credential that sent this alert';
    return { ...base, outcome: 'rate_limited', reason: `${bySender.length} actions in the last hour; the limit is ${document.maxActionsPerHour}${whose}` };
  }
  const byModel = lastHour.filter((past) => past.model === model).length;
  if (byModel >= document.maxActionsPerModelPerHour) {
    return {
      ...base,
      outcome: 'rate_limited',
      reason: `${byModel} actions on "${model}" in the last hour; the limit per model is ${document.maxActionsPerModelPerHour}`,
    };
  }
  if (policy.maxActionsPerHour !== undefined) {
    const byPolicy = lastHour.filter((past) => past.policy === policy.name).length;
    if (byPolicy >= policy.maxActionsPerHour) {
      return {
        ...base,
        outcome: 'rate_limited',
        reason: `policy "${policy.name}" took ${byPolicy} actions in the last hour; its limit is ${policy.maxActionsPerHour}`,
      };
    }
  }

  if (dryRun) {
    return { ...base, outcome: 'dry_run', reason: `dry run: would ${policy.action} "${model}" (policy "${policy.name}")` };
  }
  if (mode === 'approval') {
    return { ...base, outcome: 'pending', reason: `${policy.action} on "${model}" waits for approval (policy "${policy.name}")` };
  }
  return { ...base, outcome: 'act', reason: `policy "${policy.name}": ${policy.action} "${model}"` };
}
