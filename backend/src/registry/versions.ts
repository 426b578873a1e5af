import type { Actor } from '../auth/roles.ts';
import type { ModelSession } from '../onnx/onnx-session.ts';
import type { ModelVersionsTable } from '../store/schema.ts';
import type { StagedArtifact } from './artifact-store.ts';
import type { VersionReader } from './read-versions.ts';
import type { RegisterVersion, RegisterVersionInput } from './register-version.ts';
import type { AliasWriteOptions, SetAlias } from './set-alias.ts';
import type { SetValidation } from './set-validation.ts';
import type { AliasHistoryEntry, AliasName, ModelVersion, ValidationStatus } from './version-schemas.ts';
import type { VersionSessions } from './version-sessions.ts';
import type { Aliases, DbOrTrx, VersionStore } from './version-store.ts';

export type { Aliases } from './version-store.ts';
export type { AliasWriteOptions } from './set-alias.ts';
export type { RegisterVersionInput } from './register-version.ts';

export interface VersionRegistryParts {
  versions: VersionStore;
  registration: RegisterVersion;
  reader: VersionReader;
  aliases: SetAlias;
  validation: SetValidation;
  sessions: VersionSessions;
}

/**
 * Model versions (ONNX artifacts with their input plan, metrics, lineage, validation state
 * and reference profile) and the champion/challenger aliases with their history: one entry
 * point over the registry's use cases.
 */
export class VersionRegistry {
  private readonly parts: VersionRegistryParts;

  constructor(parts: VersionRegistryParts) {
    this.parts = parts;
  }

  register(model: string, input: RegisterVersionInput, actor: Actor | string): Promise<ModelVersion & { warnings?: string[] }> {
    return this.parts.registration.register(model, input, actor);
  }

  /** Streams an uploaded artifact to disk (413 past `maxBytes`); pass the result to `register` as `artifact`. */
  stageArtifact(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedArtifact> {
    return this.parts.registration.stage(source, maxBytes);
  }

  /** Removes a staged upload that will not be registered. */
  discardStaged(staged: StagedArtifact): Promise<void> {
    return this.parts.registration.discard(staged);
  }

  getVersion(model: string, version: string): Promise<ModelVersion> {
    return this.parts.reader.getVersion(model, version);
  }

  findVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    return this.parts.reader.findVersion(model, version);
  }

  listVersions(model: string): Promise<ModelVersion[]> {
    return this.parts.reader.listVersions(model);
  }

  /** The version's ONNX file, checksum verified (422 when missing or corrupt). */
  readArtifact(model: string, version: string): Promise<Buffer> {
    return this.parts.reader.readArtifact(model, version);
  }

  /** The stored row (actions read its validation and artifact inside their transaction). */
  findRow(model: string, version: string, db?: DbOrTrx): Promise<ModelVersionsTable | undefined> {
    return this.parts.versions.findRow(model, version, db);
  }

  /** Validation status of every version of the model. */
  validations(model: string): Promise<Map<string, ValidationStatus>> {
    return this.parts.versions.validations(model);
  }

  aliases(model: string, db?: DbOrTrx): Promise<Aliases> {
    return this.parts.versions.aliases(model, db);
  }

  /** Every alias of every model (startup, and the router's sync across replicas). */
  allAliases(): Promise<Map<string, Aliases>> {
    return this.parts.versions.allAliases();
  }

  aliasHistory(model: string, options?: { alias?: string; limit?: number; db?: DbOrTrx }): Promise<AliasHistoryEntry[]> {
    return this.parts.versions.aliasHistory(model, options);
  }

  setAlias(model: string, alias: AliasName, version: string | null, actor: Actor | string, reason: string, options?: AliasWriteOptions): Promise<{ previous: string | null }> {
    return this.parts.aliases.set(model, alias, version, actor, reason, options);
  }

  async setValidation(model: string, version: string, status: ValidationStatus, details: Record<string, unknown> = {}, actor: Actor | string = 'system'): Promise<ModelVersion> {
    await this.parts.validation.set(model, version, status, details, actor);
    return this.parts.reader.getVersion(model, version);
  }

  /** The version's warmed session: loaded once, checksum verified, contract re-checked. */
  /** The version's artifact bytes and its model's features (the serving thread builds its own session from them). */
  artifact(model: string, version: string): ReturnType<VersionSessions['artifact']> {
    return this.parts.sessions.artifact(model, version);
  }

  ensureLoaded(model: string, version: string): Promise<ModelSession> {
    return this.parts.sessions.ensureLoaded(model, version);
  }
}
