import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Actor } from '../auth/roles.ts';
import type { AuditLog } from '../audit/audit.ts';
import { conflict, DomainError, invalid, notFound } from '../core/errors.ts';
import { describeZodError } from '../core/zod-errors.ts';
import { buildProfile } from '../stats/profile.ts';
import { parseProfile } from '../core/profile-schema.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { loadModelSession, type ModelSession, type SessionLoadOptions } from '../onnx/onnx-session.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { Database, ModelVersionsTable } from '../store/schema.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { KeyedMutex } from './keyed-mutex.ts';
import type { Feature, Model } from '../models/model-schemas.ts';
import type { ModelService } from '../models/model-service.ts';
import type { InputPlan } from '../onnx/onnx-inspect.ts';
import type {
  AliasHistoryEntry,
  AliasName,
  ModelVersion,
  RegisterVersionMeta,
  ValidationStatus,
} from './version-schemas.ts';

/** Where reference profiles go (the monitor's ProfileStore); optional until it is wired. */
export interface ProfileSink {
  save(model: string, version: string, profile: ReferenceProfile): Promise<void>;
}

export interface RegisterVersionInput extends RegisterVersionMeta {
  /** The ONNX file: bytes, or base64 text. */
  artifact: Uint8Array | string | undefined;
}

export interface Aliases {
  champion?: string;
  challenger?: string;
}

export interface AliasWriteOptions {
  /** Write inside the caller's transaction (the caller audits and updates the router). */
  db?: Transaction<Database>;
  /** History type: set (default), promote, rollback. */
  type?: string;
  actionId?: string | null;
}

export interface VersionRegistryDeps {
  store: Store;
  audit: AuditLog;
  models: ModelService;
  artifacts: ArtifactStore;
  pool: SessionPool;
  locks: KeyedMutex;
  logger: Logger;
  profiles: () => ProfileSink | undefined;
  sessionOptions?: SessionLoadOptions;
}

type DbOrTrx = Kysely<Database> | Transaction<Database>;

/**
 * Model versions (ONNX artifacts with their input plan, metrics, lineage, validation state
 * and reference profile) and the champion/challenger aliases with their history.
 */
export class VersionRegistry {
  private readonly deps: VersionRegistryDeps;
  /** Told after an alias change this class committed itself (the router listens). */
  onAliasesChanged: ((model: string, aliases: Aliases) => void) | undefined;

  constructor(deps: VersionRegistryDeps) {
    this.deps = deps;
  }

  // ------------------------------------------------------------------ registration

  async register(modelName: string, input: RegisterVersionInput, actor: Actor | string): Promise<ModelVersion & { warnings?: string[] }> {
    const { store, pool, locks } = this.deps;
    const model = await this.deps.models.get(modelName);
    const bytes = decodeArtifact(input.artifact);
    if (input.version && (await this.findRow(model.name, input.version))) {
      throw conflict(`version "${input.version}" of model "${model.name}" already exists; versions are immutable, register a new one`);
    }
    if (input.lineage?.parentVersion && !(await this.findRow(model.name, input.lineage.parentVersion))) {
      throw invalid(`lineage.parentVersion: version "${input.lineage.parentVersion}" of model "${model.name}" does not exist`);
    }
    const profile = referenceProfile(model, input.reference);
    const session = await loadModelSession(bytes, model.features, this.deps.sessionOptions);
    let pooled = false;
    try {
      const stored = await this.deps.artifacts.put(bytes);
      const actorName = typeof actor === 'string' ? actor : actor.name;
      const row = await locks.run(model.name, () =>
        store.db.transaction().execute(async (trx) => {
          await lockModelRow(trx, store.dialect, model.name);
          const last = await trx
            .selectFrom('model_versions')
            .select((eb) => eb.fn.max<number>('seq').as('seq'))
            .where('model', '=', model.name)
            .executeTakeFirst();
          const seq = Number(last?.seq ?? 0) + 1;
          let name = input.version;
          if (name) {
            if (await this.findRow(model.name, name, trx)) throw conflict(`version "${name}" of model "${model.name}" already exists`);
          } else {
            for (let n = seq; ; n++) {
              if (!(await this.findRow(model.name, `v${n}`, trx))) {
                name = `v${n}`;
                break;
              }
            }
          }
          const now = Date.now();
          const row: ModelVersionsTable = {
            model: model.name,
            version: name,
            seq,
            artifact_sha256: stored.sha256,
            artifact_bytes: stored.sizeBytes,
            input_schema: toJson(session.plan),
            metrics: toJson(input.metrics ?? {}),
            lineage: toJson(input.lineage ?? {}),
            validation: input.validation ?? 'none',
            validation_details: '{}',
            has_profile: 0,
            description: input.description ?? null,
            created_by: actorName,
            created_at: now,
          };
          await trx.insertInto('model_versions').values(row).execute();
          if (input.alias) await this.writeAlias(trx, model.name, input.alias, name, actorName, 'registered as challenger', { type: 'set' });
          await this.deps.audit.record(
            {
              type: 'version.registered',
              model: model.name,
              actor,
              toVersion: name,
              details: { sha256: stored.sha256, sizeBytes: stored.sizeBytes, input: session.plan.kind, validation: row.validation, ...(input.alias ? { alias: input.alias } : {}) },
            },
            trx,
          );
          return row;
        }),
      );
      if (row.validation !== 'failed') {
        pool.put(model.name, row.version, session);
        pooled = true;
      }
      const warnings: string[] = [];
      if (profile) {
        const sink = this.deps.profiles();
        if (!sink) warnings.push('reference profile not saved: the monitor (ctx.profiles) is not available in this service');
        else {
          try {
            await sink.save(model.name, row.version, profile);
            await store.db.updateTable('model_versions').set({ has_profile: 1 }).where('model', '=', model.name).where('version', '=', row.version).execute();
            row.has_profile = 1;
          } catch (error) {
            this.deps.logger.error({ err: error, model: model.name, version: row.version }, 'saving the reference profile failed');
            warnings.push(`reference profile not saved: ${(error as Error).message}`);
          }
        }
      }
      if (input.alias) this.onAliasesChanged?.(model.name, await this.aliases(model.name));
      const version = await this.toVersion(row, await this.aliasRows(model.name));
      return warnings.length ? { ...version, warnings } : version;
    } catch (error) {
      if (!pooled) await session.release().catch(() => undefined);
      throw error;
    }
  }

  // ------------------------------------------------------------------ reading

  async getVersion(model: string, version: string): Promise<ModelVersion> {
    const found = await this.findVersion(model, version);
    if (found) return found;
    await this.deps.models.get(model);
    throw notFound(`version "${version}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);
  }

  async findVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    const row = await this.findRow(model, version);
    return row ? this.toVersion(row, await this.aliasRows(model)) : undefined;
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    await this.deps.models.get(model);
    const rows = await this.deps.store.db.selectFrom('model_versions').selectAll().where('model', '=', model).orderBy('seq', 'desc').execute();
    const aliases = await this.aliasRows(model);
    return Promise.all(rows.map((row) => this.toVersion(row, aliases)));
  }

  async aliases(model: string, db: DbOrTrx = this.deps.store.db): Promise<Aliases> {
    const result: Aliases = {};
    for (const row of await this.aliasRows(model, db)) result[row.alias as AliasName] = row.version;
    return result;
  }

  /** Every alias of every model (startup, and the router's sync across replicas). */
  async allAliases(): Promise<Map<string, Aliases>> {
    const rows = await this.deps.store.db.selectFrom('model_aliases').select(['model', 'alias', 'version']).execute();
    const byModel = new Map<string, Aliases>();
    for (const row of rows) {
      const aliases = byModel.get(row.model) ?? {};
      aliases[row.alias as AliasName] = row.version;
      byModel.set(row.model, aliases);
    }
    return byModel;
  }

  async aliasHistory(model: string, options: { alias?: string; limit?: number; db?: DbOrTrx } = {}): Promise<AliasHistoryEntry[]> {
    let q = (options.db ?? this.deps.store.db).selectFrom('alias_history').selectAll().where('model', '=', model);
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

  // ------------------------------------------------------------------ aliases and validation

  /**
   * Points an alias at a version (or clears it with `version: null`). Without `options.db`
   * it commits and audits on its own and tells the router; inside a caller's transaction it
   * only writes the alias and its history.
   */
  async setAlias(
    model: string,
    alias: AliasName,
    version: string | null,
    actor: Actor | string,
    reason: string,
    options: AliasWriteOptions = {},
  ): Promise<{ previous: string | null }> {
    const actorName = typeof actor === 'string' ? actor : actor.name;
    if (options.db) return this.writeAlias(options.db, model, alias, version, actorName, reason, options);
    await this.deps.models.get(model);
    const { store } = this.deps;
    const result = await this.deps.locks.run(model, () =>
      store.db.transaction().execute(async (trx) => {
        await lockModelRow(trx, store.dialect, model);
        const written = await this.writeAlias(trx, model, alias, version, actorName, reason, options);
        await this.deps.audit.record(
          { type: `alias.${version === null ? 'cleared' : 'set'}`, model, actor, reason, fromVersion: written.previous, toVersion: version, details: { alias } },
          trx,
        );
        return written;
      }),
    );
    this.onAliasesChanged?.(model, await this.aliases(model));
    return result;
  }

  private async writeAlias(
    trx: Transaction<Database>,
    model: string,
    alias: AliasName,
    version: string | null,
    actorName: string,
    reason: string | null,
    options: AliasWriteOptions,
  ): Promise<{ previous: string | null }> {
    if (version !== null) {
      const row = await this.findRow(model, version, trx);
      if (!row) throw notFound(`version "${version}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);
      if (alias === 'champion' && row.validation === 'failed') {
        throw new DomainError('failed_precondition', `version "${version}" failed validation and never serves; it cannot be champion`);
      }
    }
    const current = await trx.selectFrom('model_aliases').select('version').where('model', '=', model).where('alias', '=', alias).executeTakeFirst();
    const previous = current?.version ?? null;
    const now = Date.now();
    if (version === null) {
      await trx.deleteFrom('model_aliases').where('model', '=', model).where('alias', '=', alias).execute();
    } else {
      await trx
        .insertInto('model_aliases')
        .values({ model, alias, version, action_id: options.actionId ?? null, updated_at: now })
        .onConflict((oc) => oc.columns(['model', 'alias']).doUpdateSet({ version, action_id: options.actionId ?? null, updated_at: now }))
        .execute();
    }
    await trx
      .insertInto('alias_history')
      .values({
        model,
        alias,
        version,
        previous_version: previous,
        type: options.type ?? (version === null ? 'clear' : 'set'),
        action_id: options.actionId ?? null,
        actor: actorName,
        reason,
        created_at: now,
      })
      .execute();
    return { previous };
  }

  /** Sets the validation gate's verdict. A failed version never serves (not while champion either). */
  async setValidation(model: string, version: string, status: ValidationStatus, details: Record<string, unknown> = {}, actor: Actor | string = 'system'): Promise<ModelVersion> {
    const { store } = this.deps;
    await this.deps.locks.run(model, () =>
      store.db.transaction().execute(async (trx) => {
        const row = await this.findRow(model, version, trx);
        if (!row) {
          await this.deps.models.get(model);
          throw notFound(`version "${version}" of model "${model}" not found`);
        }
        if (status === 'failed') {
          const champion = await trx.selectFrom('model_aliases').select('version').where('model', '=', model).where('alias', '=', 'champion').executeTakeFirst();
          if (champion?.version === version) {
            throw conflict(`version "${version}" is the champion of "${model}"; roll back first, then mark it failed`);
          }
        }
        await trx
          .updateTable('model_versions')
          .set({ validation: status, validation_details: toJson({ ...details, updatedAt: new Date().toISOString() }) })
          .where('model', '=', model)
          .where('version', '=', version)
          .execute();
        await this.deps.audit.record({ type: 'version.validation', model, actor, toVersion: version, status: 'succeeded', details: { validation: status, ...details } }, trx);
      }),
    );
    // A failed version never serves: drop its session so no experiment arm can reach it.
    if (status === 'failed') await this.deps.pool.release(model, version);
    return this.getVersion(model, version);
  }

  // ------------------------------------------------------------------ serving

  /** The version's warmed session: loaded once, checksum verified, contract re-checked. */
  ensureLoaded(model: string, version: string): Promise<ModelSession> {
    return this.deps.pool.ensure(model, version, () => this.loadSession(model, version));
  }

  private async loadSession(modelName: string, version: string): Promise<ModelSession> {
    const row = await this.findRow(modelName, version);
    if (!row) throw notFound(`version "${version}" of model "${modelName}" not found`);
    if (row.validation === 'failed') throw new DomainError('failed_precondition', `version "${version}" of model "${modelName}" failed validation and never serves`);
    const model = await this.deps.models.get(modelName);
    try {
      const bytes = await this.deps.artifacts.read(row.artifact_sha256);
      return await loadModelSession(bytes, model.features, this.deps.sessionOptions);
    } catch (error) {
      this.deps.logger.error({ err: error, model: modelName, version, sha256: row.artifact_sha256 }, 'model version cannot be loaded; it will not serve');
      throw new DomainError('failed_precondition', `version "${version}" of model "${modelName}" cannot be loaded: ${(error as Error).message}`);
    }
  }

  /** The version's ONNX file, checksum verified (422 when missing or corrupt). */
  async readArtifact(model: string, version: string): Promise<Buffer> {
    const row = await this.findRow(model, version);
    if (!row) {
      await this.deps.models.get(model);
      throw notFound(`version "${version}" of model "${model}" not found`);
    }
    try {
      return await this.deps.artifacts.read(row.artifact_sha256);
    } catch (error) {
      throw new DomainError('failed_precondition', `the artifact of version "${version}" cannot be read: ${(error as Error).message}`);
    }
  }

  /** Validation status per version, for the router (failed versions never serve). */
  async validationOf(model: string, version: string, db: DbOrTrx = this.deps.store.db): Promise<ValidationStatus | undefined> {
    return (await this.findRow(model, version, db))?.validation as ValidationStatus | undefined;
  }

  // ------------------------------------------------------------------ helpers

  async findRow(model: string, version: string, db: DbOrTrx = this.deps.store.db): Promise<ModelVersionsTable | undefined> {
    return db.selectFrom('model_versions').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
  }

  private aliasRows(model: string, db: DbOrTrx = this.deps.store.db) {
    return db.selectFrom('model_aliases').select(['alias', 'version']).where('model', '=', model).execute();
  }

  private async toVersion(row: ModelVersionsTable, aliases: Array<{ alias: string; version: string }>): Promise<ModelVersion> {
    const plan = fromJson<InputPlan>(row.input_schema, { kind: 'tensor', features: [], output: '', outputMode: 'column' });
    const validationDetails = fromJson<Record<string, unknown>>(row.validation_details, {});
    const { updatedAt, ...details } = validationDetails;
    return {
      model: row.model,
      version: row.version,
      createdAt: new Date(Number(row.created_at)).toISOString(),
      createdBy: row.created_by,
      description: row.description,
      artifact: { sha256: row.artifact_sha256, sizeBytes: Number(row.artifact_bytes) },
      inputSchema: {
        kind: plan.kind,
        ...(plan.input ? { input: plan.input } : {}),
        features: plan.features.map((f: Feature) => ({ name: f.name, type: f.type })),
        output: plan.output,
        outputMode: plan.outputMode,
      },
      metrics: fromJson(row.metrics, {}),
      lineage: fromJson(row.lineage, {}),
      validation: { status: row.validation as ValidationStatus, details, ...(typeof updatedAt === 'string' ? { updatedAt } : {}) },
      aliases: aliases.filter((a) => a.version === row.version).map((a) => a.alias),
      hasReferenceProfile: row.has_profile === 1 || (row.has_profile as unknown) === true,
      serving: this.deps.pool.status(row.model, row.version),
    };
  }
}

/** On PostgreSQL, locks the model row so alias changes serialise across replicas too. */
export async function lockModelRow(trx: Transaction<Database>, dialect: Store['dialect'], model: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await trx.selectFrom('models').select('name').where('name', '=', model).forUpdate().executeTakeFirst();
}

const BASE64 = /^[A-Za-z0-9+/\-_]+={0,2}$/;

function decodeArtifact(artifact: Uint8Array | string | undefined): Uint8Array {
  const missing = 'artifact: missing; send the ONNX file base64-encoded in "artifact" (JSON) or as the file field "artifact" (multipart/form-data)';
  if (artifact === undefined) throw invalid(missing);
  if (typeof artifact !== 'string') {
    if (artifact.byteLength === 0) throw invalid('artifact: the file is empty');
    return artifact;
  }
  const text = artifact.replace(/\s+/g, '');
  if (!text) throw invalid(missing);
  if (!BASE64.test(text)) throw invalid('artifact: not valid base64 (expected the ONNX file, base64-encoded)');
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.byteLength === 0) throw invalid('artifact: decodes to an empty file');
  return bytes;
}

function referenceProfile(model: Model, reference: RegisterVersionMeta['reference']): ReferenceProfile | undefined {
  if (!reference) return undefined;
  if ('rows' in reference) return buildProfile(reference.rows, model.features, { source: 'rows' });
  const parsed = parseProfile(reference.profile);
  if (!parsed.success) throw invalid(describeZodError(parsed.error, 'reference.profile'));
  const profile = parsed.data;
  const declared = new Map(model.features.map((f) => [f.name, f.type]));
  profile.features.forEach((feature, i) => {
    const type = declared.get(feature.name);
    if (!type) throw invalid(`reference.profile.features[${i}].name: "${feature.name}" is not a declared feature of model "${model.name}"`);
    if (type !== feature.type) throw invalid(`reference.profile.features[${i}].type: "${feature.name}" is declared ${type}, the profile says ${feature.type}`);
  });
  return profile;
}
