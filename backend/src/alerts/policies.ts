import type { Actor } from '../auth/roles.ts';
import type { AlertDeps } from './alert-deps.ts';
import type { AlertQueries } from './alert-store.ts';
import { defaultPolicyDocument, policyToOutput, type Policy, type PolicyDocument } from './policy-schema.ts';

/** Get, put and reset the policy document (GET/PUT/DELETE /api/v1/policies). */

export interface PolicyView {
  document: PolicyDocument;
  isDefault: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

type Deps = Pick<AlertDeps, 'store' | 'audit' | 'clock'>;

export async function getPolicies({ store }: Pick<AlertDeps, 'store'>): Promise<PolicyView> {
  const stored = await store.storedPolicies();
  if (!stored) return { document: defaultPolicyDocument(), isDefault: true, updatedAt: null, updatedBy: null };
  return { document: stored.document, isDefault: false, updatedAt: new Date(stored.updatedAt).toISOString(), updatedBy: stored.updatedBy };
}

export async function putPolicies(deps: Deps, document: PolicyDocument, actor: Actor): Promise<PolicyView> {
  await deps.store.replacePolicies(document, deps.clock.now(), actor.name, (db) =>
    deps.audit.record(
      {
        type: 'policies.updated',
        actor,
        reason: `${document.policies.length} policies${document.dryRun ? ', dry run' : ''}`,
        details: { dryRun: document.dryRun, maxActionsPerHour: document.maxActionsPerHour, policies: document.policies.map(policyToOutput) },
      },
      db,
    ),
  );
  return getPolicies(deps);
}

export async function resetPolicies(deps: Deps, actor: Actor): Promise<PolicyView> {
  await deps.store.deletePolicies();
  await deps.audit.record({ type: 'policies.reset', actor, reason: 'back to the default policy' });
  return getPolicies(deps);
}

/** The document in force: the stored one, or the default. */
export async function policiesInForce(queries: AlertQueries): Promise<PolicyDocument> {
  return (await queries.storedPolicies())?.document ?? defaultPolicyDocument();
}

/** A policy of the document in force, by name (null when it is gone or none was named). */
export async function policyNamed(queries: AlertQueries, name: string | null): Promise<Policy | null> {
  if (!name) return null;
  return (await policiesInForce(queries)).policies.find((p) => p.name === name) ?? null;
}
