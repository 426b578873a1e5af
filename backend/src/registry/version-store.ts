import { toJson } from '../store/database.ts';
import { ModelScopedStore, type DbOrTrx, type Trx } from '../store/model-store.ts';
import type { ModelVersionsTable } from '../store/schema.ts';
import type { AliasHistoryEntry, AliasName, ValidationStatus } from './version-schemas.ts';

export type { DbOrTrx, Trx };

/** What a model's aliases point at (an alias that is not set is absent). */
export interface Aliases {
  champion?: string;
  challenger?: string;
}

/** One alias write, as it goes to model_aliases and alias_history. */
export interface AliasWrite {
  model: string;
  alias: AliasName;
  /** null clears the alias. */
  version: string | null;
  /** History type: set, clear, promote, rollback. */
  type: string;
  actionId: string | null;
  actor: string;
  reason: string | null;
}


/** The registry's SQL: tables model_versions, model_aliases and alias_history. */
export class VersionStore extends ModelScopedStore {
  // ------------------------------------------------------------------ versions

  findRow(model: string, version: string, db: DbOrTrx = this.store.db): Promise<ModelVersionsTable | undefined> {
    return db.selectFrom('model_versions').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
  }

  /** Newest first. */
  listRows(model: string): Promise<ModelVersionsTable[]> {
    return this.store.db.selectFrom('model_versions').selectAll().where('model', '=', model).orderBy('seq', 'desc').execute();
  }

  /** The validation status of every version of the model. */
  async validations(model: string): Promise<Map<string, ValidationStatus>> {
    const rows = await this.store.db.selectFrom('model_versions').select(['version', 'validation']).where('model', '=', model).execute();
    return new Map(rows.map((r) => [r.version, r.validation as ValidationStatus]));
  }

  /** The registration number the model's next version gets. */
  async nextSeq(trx: Trx, model: string): Promise<number> {
    const last = await trx
      .selectFrom('model_versions')
      .select((eb) => eb.fn.max<number>('seq').as('seq'))
      .where('model', '=', model)
      .executeTakeFirst();
    return Number(last?.seq ?? 0) + 1;
  }

  async insertVersion(trx: Trx, row: ModelVersionsTable): Promise<void> {
    await trx.insertInto('model_versions').values(row).execute();
  }

  async markProfileSaved(model: string, version: string): Promise<void> {
    await this.store.db.updateTable('model_versions').set({ has_profile: 1 }).where('model', '=', model).where('version', '=', version).execute();
  }

  async setValidation(trx: Trx, model: string, version: string, status: ValidationStatus, details: Record<string, unknown>): Promise<void> {
    await trx
      .updateTable('model_versions')
      .set({ validation: status, validation_details: toJson(details) })
      .where('model', '=', model)
      .where('version', '=', version)
      .execute();
  }

  // ------------------------------------------------------------------ aliases

  aliasRows(model: string, db: DbOrTrx = this.store.db): Promise<Array<{ alias: string; version: string }>> {
    return db.selectFrom('model_aliases').select(['alias', 'version']).where('model', '=', model).execute();
  }

  async aliases(model: string, db: DbOrTrx = this.store.db): Promise<Aliases> {
    const result: Aliases = {};
    for (const row of await this.aliasRows(model, db)) result[row.alias as AliasName] = row.version;
    return result;
  }

  async allAliases(): Promise<Map<string, Aliases>> {
    const rows = await this.store.db.selectFrom('model_aliases').select(['model', 'alias', 'version']).execute();
    const byModel = new Map<string, Aliases>();
    for (const row of rows) {
      const aliases = byModel.get(row.model) ?? {};
      aliases[row.alias as AliasName] = row.version;
      byModel.set(row.model, aliases);
    }
    return byModel;
  }

  /** Points (or clears) the alias and appends its history entry; answers what it pointed at before. */
  async writeAlias(trx: Trx, write: AliasWrite): Promise<{ previous: string | null }> {
    const { model, alias, version, actionId } = write;
    const current = await trx.selectFrom('model_aliases').select('version').where('model', '=', model).where('alias', '=', alias).executeTakeFirst();
    const previous = current?.version ?? null;
    const now = Date.now();
    if (version === null) {
      await trx.deleteFrom('model_aliases').where('model', '=', model).where('alias', '=', alias).execute();
    } else {
      await trx
        .insertInto('model_aliases')
        .values({ model, alias, version, action_id: actionId, updated_at: now })
        .onConflict((oc) => oc.columns(['model', 'alias']).doUpdateSet({ version, action_id: actionId, updated_at: now }))
        .execute();
    }
    await trx
      .insertInto('alias_history')
      .values({ model, alias, version, previous_version: previous, type: write.type, action_id: actionId, actor: write.actor, reason: write.reason, created_at: now })
      .execute();
    return { previous };
  }

  /** Newest first. */
  async aliasHistory(model: string, options: { alias?: string; limit?: number; db?: DbOrTrx } = {}): Promise<AliasHistoryEntry[]> {
    let q = (options.db ?? this.store.db).selectFrom('alias_history').selectAll().where('model', '=', model);
    if (options.alias) q = q.where('alias', '=', options.alias);
    const rows = await q.orderBy('seq', 'desc').limit(options.limit ?? 1000).execute();
    return rows.map((r) => ({
      alias: r.alias,
      version: r.version,
      previousVersion: r.previous_version,
      type: r.type,
      actionId: r.action_id,
      actor: r.actor,
      reason: r.reason,
      at: new Date(Number(r.created_at)).toISOString(),
    }));
  }
}
