import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import { inspectArtifactFile } from '../onnx/inspect-artifact.ts';
import type { SessionLoadOptions } from '../onnx/onnx-session.ts';
import type { SessionPool } from '../onnx/session-pool.ts';
import type { AliasAnnouncer } from '../registry/alias-changes.ts';
import type { ArtifactStore } from '../registry/artifact-store.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import { VersionReader } from '../registry/read-versions.ts';
import { RegisterVersion, type ProfileSink } from '../registry/register-version.ts';
import type { ModelLookup } from '../registry/registry-ports.ts';
import { SetAlias } from '../registry/set-alias.ts';
import { SetValidation } from '../registry/set-validation.ts';
import { VersionSessions } from '../registry/version-sessions.ts';
import type { VersionStore } from '../registry/version-store.ts';
import { VersionRegistry } from '../registry/versions.ts';

export interface RegistryWiring {
  /** The registry's store module (built first: the monitor reads the champion alias through it). */
  versions: VersionStore;
  audit: AuditLog;
  models: ModelLookup;
  artifacts: ArtifactStore;
  pool: SessionPool;
  locks: KeyedMutex;
  logger: Logger;
  /** The monitor's ProfileStore: registered versions' reference profiles go there. */
  profiles: ProfileSink;
  /** Told of alias changes the registry commits itself (serving subscribes). */
  aliasChanges: AliasAnnouncer;
  sessionOptions: SessionLoadOptions;
}

/** The version registry: its store, its use cases, and the facade over them. */
export function createVersionRegistry(w: RegistryWiring): VersionRegistry {
  const versions = w.versions;
  const reader = new VersionReader({ versions, models: w.models, artifacts: w.artifacts, pool: w.pool });
  const aliases = new SetAlias({ versions, models: w.models, audit: w.audit, locks: w.locks, aliasChanges: w.aliasChanges });
  const registration = new RegisterVersion({
    versions,
    models: w.models,
    audit: w.audit,
    artifacts: w.artifacts,
    pool: w.pool,
    locks: w.locks,
    logger: w.logger,
    profiles: w.profiles,
    aliasChanges: w.aliasChanges,
    reader,
    setAlias: aliases,
    sessionOptions: w.sessionOptions,
    // CPU only in the sandbox: it checks the graph, it does not need the accelerator.
    inspect: (file, features) => inspectArtifactFile(file, features, { ...w.sessionOptions, providers: ['cpu'] }),
  });
  const validation = new SetValidation({ versions, models: w.models, audit: w.audit, locks: w.locks, pool: w.pool });
  const sessions = new VersionSessions({ versions, models: w.models, artifacts: w.artifacts, pool: w.pool, logger: w.logger, sessionOptions: w.sessionOptions });
  return new VersionRegistry({ versions, registration, reader, aliases, validation, sessions });
}
