import type { Logger } from 'pino';
import { DomainError, notFound } from '../core/errors.ts';
import { loadModelSession, type ModelSession, type SessionLoadOptions } from '../onnx/onnx-session.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import type { Feature } from '../models/model-schemas.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { ModelLookup } from './registry-ports.ts';
import type { VersionStore } from './version-store.ts';

export interface VersionSessionsDeps {
  versions: VersionStore;
  models: ModelLookup;
  artifacts: ArtifactStore;
  pool: SessionPool;
  logger: Logger;
  sessionOptions?: SessionLoadOptions | undefined;
}

/** Loads versions into the session pool for serving. */
export class VersionSessions {
  private readonly deps: VersionSessionsDeps;

  constructor(deps: VersionSessionsDeps) {
    this.deps = deps;
  }

  /** The version's warmed session: loaded once, checksum verified, contract re-checked. */
  ensureLoaded(model: string, version: string): Promise<ModelSession> {
    return this.deps.pool.ensure(model, version, () => this.load(model, version));
  }

  /** What a session of the version is built from: the artifact's bytes (checksum verified) and the model's features. */
  async artifact(modelName: string, version: string): Promise<{ bytes: Uint8Array; features: Feature[] }> {
    const row = await this.deps.versions.findRow(modelName, version);
    if (!row) throw notFound(`version "${version}" of model "${modelName}" not found`);
    const model = await this.deps.models.get(modelName);
    return { bytes: await this.deps.artifacts.read(row.artifact_sha256), features: model.features };
  }

  private async load(modelName: string, version: string): Promise<ModelSession> {
    const row = await this.deps.versions.findRow(modelName, version);
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
}
