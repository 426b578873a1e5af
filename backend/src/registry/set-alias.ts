import type { AuditLog } from '../audit/audit.ts';
import { actorName, type Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import type { AliasAnnouncer } from './alias-changes.ts';
import type { KeyedMutex } from './keyed-mutex.ts';
import { versionNotFound } from './read-versions.ts';
import type { ModelLookup } from './registry-ports.ts';
import type { AliasName } from './version-schemas.ts';
import type { Trx, VersionStore } from './version-store.ts';

export interface AliasWriteOptions {
  /** Write inside the caller's transaction (the caller audits and updates the router). */
  db?: Trx;
  /** History type: set (default), promote, rollback. */
  type?: string;
  actionId?: string | null;
}

export interface SetAliasDeps {
  versions: VersionStore;
  models: ModelLookup;
  audit: AuditLog;
  locks: KeyedMutex;
  aliasChanges: AliasAnnouncer;
}

/** Points an alias (champion, challenger) at a version, or clears it. */
export class SetAlias {
  private readonly deps: SetAliasDeps;

  constructor(deps: SetAliasDeps) {
    this.deps = deps;
  }

  /**
   * Without `options.db` it commits and audits on its own and announces the change; inside
   * a caller's transaction it only writes the alias and its history.
   */
  async set(model: string, alias: AliasName, version: string | null, actor: Actor | string, reason: string, options: AliasWriteOptions = {}): Promise<{ previous: string | null }> {
    if (options.db) return this.write(options.db, model, alias, version, actorName(actor), reason, options);
    await this.deps.models.get(model);
    const { versions } = this.deps;
    const result = await this.deps.locks.run(model, () =>
      versions.transaction(async (trx) => {
        await versions.lockModel(trx, model);
        const written = await this.write(trx, model, alias, version, actorName(actor), reason, options);
        await this.deps.audit.record(
          { type: `alias.${version === null ? 'cleared' : 'set'}`, model, actor, reason, fromVersion: written.previous, toVersion: version, details: { alias } },
          trx,
        );
        return written;
      }),
    );
    this.deps.aliasChanges.announce(model, await versions.aliases(model));
    return result;
  }

  /** The alias write inside `trx`: the version must exist, and a failed one is never champion. */
  async write(
    trx: Trx,
    model: string,
    alias: AliasName,
    version: string | null,
    actor: string,
    reason: string | null,
    options: AliasWriteOptions,
  ): Promise<{ previous: string | null }> {
    if (version !== null) {
      const row = await this.deps.versions.findRow(model, version, trx);
      if (!row) throw versionNotFound(model, version);
      if (alias === 'champion' && row.validation === 'failed') {
        throw new DomainError('failed_precondition', `version "${version}" failed validation and never serves; it cannot be champion`);
      }
    }
    return this.deps.versions.writeAlias(trx, {
      model,
      alias,
      version,
      type: options.type ?? (version === null ? 'clear' : 'set'),
      actionId: options.actionId ?? null,
      actor,
      reason,
    });
  }
}
