import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { conflict, notFound } from '../core/errors.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import type { KeyedMutex } from './keyed-mutex.ts';
import type { ModelLookup } from './registry-ports.ts';
import { assertMayDeclareValidation } from './validation-privileges.ts';
import type { ValidationStatus } from './version-schemas.ts';
import type { VersionStore } from './version-store.ts';

export interface SetValidationDeps {
  versions: VersionStore;
  models: ModelLookup;
  audit: AuditLog;
  locks: KeyedMutex;
  pool: SessionPool;
}

/** The validation gate's verdict on a version. A failed version never serves (not while champion either). */
export class SetValidation {
  private readonly deps: SetValidationDeps;

  constructor(deps: SetValidationDeps) {
    this.deps = deps;
  }

  async set(model: string, version: string, status: ValidationStatus, details: Record<string, unknown>, actor: Actor | string): Promise<void> {
    const { versions } = this.deps;
    assertMayDeclareValidation(status, actor, 'status');
    // Before the transaction: the model lookup uses its own connection, and inside the
    // transaction that is refused (store/connection-guard.ts; on SQLite it used to wedge the store).
    await this.deps.models.get(model);
    await this.deps.locks.run(model, () =>
      versions.transaction(async (trx) => {
        if (!(await versions.findRow(model, version, trx))) throw notFound(`version "${version}" of model "${model}" not found`);
        if (status === 'failed' && (await versions.aliases(model, trx)).champion === version) {
          throw conflict(`version "${version}" is the champion of "${model}"; roll back first, then mark it failed`);
        }
        await versions.setValidation(trx, model, version, status, { ...details, updatedAt: new Date().toISOString() });
        await this.deps.audit.record({ type: 'version.validation', model, actor, toVersion: version, status: 'succeeded', details: { validation: status, ...details } }, trx);
      }),
    );
    // A failed version never serves: drop its session so no experiment arm can reach it.
    if (status === 'failed') await this.deps.pool.release(model, version);
  }
}
