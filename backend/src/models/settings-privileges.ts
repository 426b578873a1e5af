import { createHash } from 'node:crypto';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';

/**
 * Model settings that are secret or that change what the service does on its own
 * (docs/security.md):
 * - secrets are write-only: `deployment.secret` (signs calls to the deployment system) and
 *   `retrain.command` (a program the server runs) are never shown; routes and the audit log
 *   get a fingerprint, and a value sent back as that fingerprint keeps the stored one;
 * - only an admin may set or change the deployment hook, the trainer command, a canary that
 *   decides by itself (`retrain.canary.autoDecide`) or a canary share above
 *   MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT (experiments/experiment-privileges.ts applies the same bound).
 */

const SECRET_PATHS = [
  ['deployment', 'secret'],
  ['retrain', 'command'],
] as const;

/** The largest traffic share (percent) an editor may send to a version that is not the champion. */

type Settings = Record<string, unknown>;

const child = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Settings)[key] : undefined;

const at = (settings: unknown, path: readonly string[]): unknown => path.reduce(child, settings);

/** `redacted:sha256:<12 hex>`: tells two secrets apart without showing either. */
export const fingerprint = (value: unknown): string =>
  `redacted:sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12)}`;

function withValue(settings: Settings, path: readonly string[], value: unknown): Settings {
  const [head, ...rest] = path;
  if (head === undefined) return settings;
  const inner = child(settings, head);
  if (rest.length === 0) return { ...settings, [head]: value };
  if (inner === undefined || inner === null || typeof inner !== 'object' || Array.isArray(inner)) return settings;
  return { ...settings, [head]: withValue(inner as Settings, rest, value) };
}

const isFingerprint = (value: unknown) => typeof value === 'string' && value.startsWith('redacted:sha256:');

/** The settings as routes and the audit log show them: secrets replaced by their fingerprint. */
export function redactSettings(settings: Settings): Settings {
  return SECRET_PATHS.reduce((out, path) => {
    const value = at(out, path);
    return value === undefined || isFingerprint(value) ? out : withValue(out, path, fingerprint(value));
  }, settings);
}

/** An audit entry's details as shown: entries written before secrets were redacted are redacted on the way out. */
export function redactAuditDetails(details: Record<string, unknown>): Record<string, unknown> {
  const settings = details.settings;
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) return details;
  return { ...details, settings: redactSettings(settings as Settings) };
}

/** A secret sent back as its own fingerprint (a GET, edited, PUT back) keeps the stored value. */
export function keepStoredSecrets(before: Settings | undefined, after: Settings): Settings {
  return SECRET_PATHS.reduce((out, path) => {
    const stored = at(before, path);
    return stored !== undefined && at(out, path) === fingerprint(stored) ? withValue(out, path, stored) : out;
  }, after);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const canaryPercent = (settings: unknown): number => {
  const weight = at(settings, ['retrain', 'canary', 'weight']);
  return typeof weight === 'number' ? weight : 0;
};

/** Throws 403 naming the first admin-only setting a non-admin changed. */
export function assertMayChangeSettings(before: Settings | undefined, after: Settings, actor: Actor, maxTreatmentPercent: number): void {
  if (actor.role === 'admin') return;
  const denied = (field: string, what: string) =>
    new DomainError('permission_denied', `settings.${field}: only an admin may ${what}`);
  if (!same(at(before, ['deployment']), at(after, ['deployment']))) throw denied('deployment', 'set or change the deployment hook');
  if (!same(at(before, ['retrain', 'command']), at(after, ['retrain', 'command']))) {
    throw denied('retrain.command', 'set or change the trainer command');
  }
  if (at(after, ['retrain', 'canary', 'autoDecide']) === true && at(before, ['retrain', 'canary', 'autoDecide']) !== true) {
    throw denied('retrain.canary.autoDecide', 'let a canary promote or roll back by itself');
  }
  if (canaryPercent(after) > maxTreatmentPercent && canaryPercent(after) !== canaryPercent(before)) {
    throw denied('retrain.canary.weight', `send more than ${maxTreatmentPercent} % of the traffic to a canary`);
  }
}
