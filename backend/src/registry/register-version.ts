import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Actor } from '../auth/roles.ts';
import { conflict, invalid } from '../core/errors.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { loadModelSession, type SessionLoadOptions } from '../onnx/onnx-session.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import { toJson } from '../store/database.ts';
import type { ModelVersionsTable } from '../store/schema.ts';
import type { AliasAnnouncer } from './alias-changes.ts';
import type { ArtifactStore, StagedArtifact } from './artifact-store.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { VersionReader } from './read-versions.ts';
import { artifactSource, isStaged, referenceProfile } from './registration-input.ts';
import type { ModelLookup } from './registry-ports.ts';
import type { Feature, Model } from '../models/model-schemas.ts';
import type { SetAlias } from './set-alias.ts';
import { actorName } from '../auth/roles.ts';
import { assertMayDeclareValidation } from './validation-privileges.ts';
import type { ModelVersion, RegisterVersionMeta } from './version-schemas.ts';
import type { Trx, VersionStore } from './version-store.ts';

/** Where reference profiles go (the monitor's ProfileStore). */
export interface ProfileSink {
  save(model: string, version: string, profile: ReferenceProfile): Promise<void>;
}

export interface RegisterVersionInput extends RegisterVersionMeta {
  /** The ONNX file: bytes, base64 text, or an upload streamed to disk (ArtifactStore.stage; always consumed). */
  artifact: Uint8Array | string | StagedArtifact | undefined;
}

export interface RegisterVersionDeps {
  versions: VersionStore;
  models: ModelLookup;
  audit: AuditLog;
  artifacts: ArtifactStore;
  pool: SessionPool;
  locks: KeyedMutex;
  logger: Logger;
  profiles: ProfileSink;
  aliasChanges: AliasAnnouncer;
  reader: VersionReader;
  setAlias: SetAlias;
  sessionOptions?: SessionLoadOptions | undefined;
  /** Loads and warms the artifact at `file` in a sandbox with a time and memory limit (onnx/inspect-artifact.ts); throws a 400. */
  inspect: (file: string, features: readonly Feature[]) => Promise<void>;
}

/**
 * Registers a version: the ONNX file is loaded and checked against the model's features
 * before anything is stored, then stored by checksum, recorded (auto-numbered v1, v2, ...
 * unless named), audited, and its session kept warm for serving.
 */
export class RegisterVersion {
  private readonly deps: RegisterVersionDeps;
  private readonly loading = new KeyedMutex();

  constructor(deps: RegisterVersionDeps) {
    this.deps = deps;
  }

  /** Streams an upload to disk with a size limit (413 past it); hand the result to `register`. */
  stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number): Promise<StagedArtifact> {
    return this.deps.artifacts.stage(source, maxBytes);
  }

  discard(staged: StagedArtifact): Promise<void> {
    return this.deps.artifacts.discard(staged);
  }

  async register(modelName: string, input: RegisterVersionInput, actor: Actor | string): Promise<ModelVersion & { warnings?: string[] }> {
    // Adopted (renamed into the store) on success; removed on every failure, also when given staged.
    let staged = isStaged(input.artifact) ? input.artifact : undefined;
    try {
      assertMayDeclareValidation(input.validation, actor, 'validation');
      const model = await this.deps.models.get(modelName);
      const source = artifactSource(input.artifact);
      if (input.version && (await this.deps.versions.findRow(model.name, input.version))) {
        throw conflict(`version "${input.version}" of model "${model.name}" already exists; versions are immutable, register a new one`);
      }
      if (input.lineage?.parentVersion && !(await this.deps.versions.findRow(model.name, input.lineage.parentVersion))) {
        throw invalid(`lineage.parentVersion: version "${input.lineage.parentVersion}" of model "${model.name}" does not exist`);
      }
      const profile = referenceProfile(model, input.reference);
      // Bytes (JSON bodies, in-process callers) go to disk like an upload: one path from here on.
      const file = source instanceof Uint8Array ? await this.deps.artifacts.stage([source], Number.POSITIVE_INFINITY) : source;
      staged = file;
      return await this.registerFile(model, file, profile, input, actor);
    } finally {
      if (staged) await this.deps.artifacts.discard(staged);
    }
  }

  private async registerFile(
    model: Model,
    file: StagedArtifact,
    profile: ReferenceProfile | undefined,
    input: RegisterVersionInput,
    actor: Actor | string,
  ): Promise<ModelVersion & { warnings?: string[] }> {
    const { versions, pool, locks } = this.deps;
    // First in a child process that reads the file itself: a model that runs forever or eats
    // memory is refused there, never loaded into this one.
    await this.deps.inspect(file.file, model.features);
    // One artifact in this process's memory at a time: concurrent large uploads queue, not add up.
    const session = await this.loading.run('artifact', async () => loadModelSession(await this.deps.artifacts.readStaged(file), model.features, this.deps.sessionOptions));
    let pooled = false;
    try {
      const stored = await this.deps.artifacts.adopt(file);
      const row = await locks.run(model.name, () =>
        versions.transaction(async (trx) => {
          await versions.lockModel(trx, model.name);
          const seq = await versions.nextSeq(trx, model.name);
          const row: ModelVersionsTable = {
            model: model.name,
            version: await this.nameOf(trx, model.name, input.version, seq),
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
            created_by: actorName(actor),
            created_at: Date.now(),
          };
          await versions.insertVersion(trx, row);
          if (input.alias) await this.deps.setAlias.write(trx, model.name, input.alias, row.version, actorName(actor), 'registered as challenger', { type: 'set' });
          await this.deps.audit.record(
            {
              type: 'version.registered',
              model: model.name,
              actor,
              toVersion: row.version,
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
        try {
          await this.deps.profiles.save(model.name, row.version, profile);
          await versions.markProfileSaved(model.name, row.version);
          row.has_profile = 1;
        } catch (error) {
          this.deps.logger.error({ err: error, model: model.name, version: row.version }, 'saving the reference profile failed');
          warnings.push(`reference profile not saved: ${(error as Error).message}`);
        }
      }
      if (input.alias) this.deps.aliasChanges.announce(model.name, await versions.aliases(model.name));
      const version = this.deps.reader.toVersion(row, await versions.aliasRows(model.name));
      return warnings.length ? { ...version, warnings } : version;
    } catch (error) {
      if (!pooled) await session.release().catch(() => undefined);
      throw error;
    }
  }

  /** The name asked for (still free under the lock), or the first free `v<n>` from the sequence. */
  private async nameOf(trx: Trx, model: string, wanted: string | undefined, seq: number): Promise<string> {
    const { versions } = this.deps;
    if (wanted) {
      if (await versions.findRow(model, wanted, trx)) throw conflict(`version "${wanted}" of model "${model}" already exists`);
      return wanted;
    }
    for (let n = seq; ; n++) if (!(await versions.findRow(model, `v${n}`, trx))) return `v${n}`;
  }
}
