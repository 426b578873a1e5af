import { DomainError, notFound } from '../core/errors.ts';
import type { Feature } from '../models/model-schemas.ts';
import type { InputPlan } from '../onnx/onnx-inspect.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import { fromJson } from '../store/database.ts';
import type { ModelVersionsTable } from '../store/schema.ts';
import { ArtifactCorruptError, ArtifactMissingError, type ArtifactStore } from './artifact-store.ts';
import type { ModelLookup } from './registry-ports.ts';
import type { ModelVersion, ValidationStatus } from './version-schemas.ts';
import type { VersionStore } from './version-store.ts';

export interface VersionReaderDeps {
  versions: VersionStore;
  models: ModelLookup;
  artifacts: ArtifactStore;
  /** Reports each version's serving status. */
  pool: SessionPool;
}

export const versionNotFound = (model: string, version: string): DomainError =>
  notFound(`version "${version}" of model "${model}" not found; see GET /api/v1/models/${model}/versions`);

/** Reading versions: one, all of a model, and the ONNX file. */
export class VersionReader {
  private readonly deps: VersionReaderDeps;

  constructor(deps: VersionReaderDeps) {
    this.deps = deps;
  }

  async getVersion(model: string, version: string): Promise<ModelVersion> {
    const found = await this.findVersion(model, version);
    if (found) return found;
    await this.deps.models.get(model);
    throw versionNotFound(model, version);
  }

  async findVersion(model: string, version: string): Promise<ModelVersion | undefined> {
    const row = await this.deps.versions.findRow(model, version);
    return row ? this.toVersion(row, await this.deps.versions.aliasRows(model)) : undefined;
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    await this.deps.models.get(model);
    const rows = await this.deps.versions.listRows(model);
    const aliases = await this.deps.versions.aliasRows(model);
    return rows.map((row) => this.toVersion(row, aliases));
  }

  /** The version's ONNX file, checksum verified (422 when missing or corrupt). */
  async readArtifact(model: string, version: string): Promise<Buffer> {
    const row = await this.deps.versions.findRow(model, version);
    if (!row) {
      await this.deps.models.get(model);
      throw notFound(`version "${version}" of model "${model}" not found`);
    }
    try {
      return await this.deps.artifacts.read(row.artifact_sha256);
    } catch (error) {
      // The stored bytes are gone or wrong: a 422. Anything else (the database or the bucket not
      // answering) is the storage's own error, mapped like any store failure.
      if (!(error instanceof ArtifactMissingError || error instanceof ArtifactCorruptError)) throw error;
      throw new DomainError('failed_precondition', `the artifact of version "${version}" cannot be read: ${error.message}`);
    }
  }

  /** The API shape of a stored version, with the aliases pointing at it and its serving status. */
  toVersion(row: ModelVersionsTable, aliases: ReadonlyArray<{ alias: string; version: string }>): ModelVersion {
    const plan = fromJson<InputPlan>(row.input_schema, { kind: 'tensor', features: [], output: '', outputMode: 'column' });
    const { updatedAt, ...details } = fromJson<Record<string, unknown>>(row.validation_details, {});
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
