import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import type { ValidationStatus } from './version-schemas.ts';

/**
 * A version marked `passed` may serve as an experiment arm and be promoted without the
 * retrain gate having seen it, so only an admin (or the gate itself, a `system` actor) may
 * declare it; anyone who may edit may mark a version `failed` or `none` (docs/security.md).
 */
export function assertMayDeclareValidation(status: ValidationStatus | undefined, actor: Actor | string, field: string): void {
  if (status !== 'passed' || typeof actor === 'string' || actor.role === 'admin') return;
  throw new DomainError('permission_denied', `${field}: only an admin may declare a version "passed"; the retrain gate sets it, or an admin does`);
}
