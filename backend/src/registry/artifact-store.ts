import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../core/errors.ts';
import { ObjectMissingError, type ObjectStorage } from '../store/object-storage.ts';

/** A stored artifact's bytes no longer hash to the name they were stored under. */
export class ArtifactCorruptError extends Error {
  readonly sha256: string;
  readonly actual: string;

  constructor(sha256: string, actual: string, where: string) {
    super(`artifact ${sha256.slice(0, 12)}… is corrupt: ${where} hashes to ${actual.slice(0, 12)}…`);
    this.name = 'ArtifactCorruptError';
    this.sha256 = sha256;
    this.actual = actual;
  }
}

export class ArtifactMissingError extends Error {
  constructor(sha256: string, missing: ObjectMissingError) {
    super(`artifact ${sha256.slice(0, 12)}… is missing: ${missing.message}`);
    this.name = 'ArtifactMissingError';
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The sha256 of a stream's bytes, read chunk by chunk (an artifact is never held whole). */
async function sha256OfStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** An upload received into the store's `incoming/` folder: not yet an artifact (ArtifactStore.adopt). */
export interface StagedArtifact {
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** Parts older than this in `incoming/` belong to a process that died mid-upload (replicas share the folder). */
const ABANDONED_PART_MS = 24 * 3_600_000;

/** The storage key of an artifact: `artifacts/<sha[0..2]>/<sha>.onnx` (on disk, the data folder's layout of old). */
export const artifactKey = (sha256: string): string => `artifacts/${sha256.slice(0, 2)}/${sha256}.onnx`;

/**
 * ONNX files, content-addressed in the object storage (store/object-storage.ts: the data
 * folder, PostgreSQL or S3) under artifactKey. Equal bytes are stored once; the name is the
 * checksum, verified on every read, so a replica that did not write an artifact checks what
 * it loads. Uploads are first staged in the local `<incomingDir>` (written, fsynced, inspected
 * there), then stored whole (adopt), so a crash never leaves a half-written artifact under its name.
 */
export class ArtifactStore {
  readonly storage: ObjectStorage;
  /** Local staging folder for uploads (`<data dir>/artifacts/incoming`). */
  readonly incomingDir: string;

  constructor(storage: ObjectStorage, incomingDir: string) {
    this.storage = storage;
    this.incomingDir = incomingDir;
  }

  /**
   * Streams an upload to the incoming folder (on disk storage the same file system, so adopting it is a rename), hashing
   * as it goes, so a large artifact is never held in memory whole (issue 16: four 60 MB uploads
   * buffered cost 355 MB). More than `maxBytes` is a 413 naming the limit; on any error or abort
   * of `source` the partial file is removed.
   */
  async stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number): Promise<StagedArtifact> {
    const incoming = this.incomingDir;
    await fs.promises.mkdir(incoming, { recursive: true });
    await this.sweepIncoming(incoming);
    const file = path.join(incoming, `${randomBytes(12).toString('hex')}.part`);
    const handle = await fs.promises.open(file, 'wx', 0o644);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    try {
      for await (const chunk of source) {
        sizeBytes += chunk.byteLength;
        if (sizeBytes > maxBytes) throw new DomainError('payload_too_large', `artifact: larger than the limit of ${maxBytes} bytes (MODELWATCH_MAX_BODY_MB)`);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.promises.rm(file, { force: true });
      throw error;
    }
    await handle.close();
    return { file, sha256: hash.digest('hex'), sizeBytes };
  }

  /** Stores a staged upload under its checksum (kept once: an intact copy already there wins). */
  async adopt(staged: StagedArtifact): Promise<{ sha256: string; sizeBytes: number; key: string }> {
    const key = artifactKey(staged.sha256);
    if (!(await this.intact(staged.sha256))) await this.storage.putFile(key, staged.file);
    await this.discard(staged);
    return { sha256: staged.sha256, sizeBytes: staged.sizeBytes, key };
  }

  /** Removes a staged upload; harmless once it was adopted. */
  async discard(staged: StagedArtifact): Promise<void> {
    await fs.promises.rm(staged.file, { force: true });
  }

  /** The staged bytes (for loading them: onnxruntime and the inspection take bytes). */
  readStaged(staged: StagedArtifact): Promise<Buffer> {
    return fs.promises.readFile(staged.file);
  }

  private async sweepIncoming(incoming: string): Promise<void> {
    const before = Date.now() - ABANDONED_PART_MS;
    for (const name of await fs.promises.readdir(incoming)) {
      const file = path.join(incoming, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && stat.mtimeMs < before) await fs.promises.rm(file, { force: true });
    }
  }

  /** The bytes stored under `sha256`; throws ArtifactMissingError or ArtifactCorruptError. */
  async read(sha256: string): Promise<Buffer> {
    const key = artifactKey(sha256);
    const chunks: Uint8Array[] = [];
    const hash = createHash('sha256');
    for await (const chunk of await this.open(sha256)) {
      hash.update(chunk);
      chunks.push(chunk);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw new ArtifactCorruptError(sha256, actual, this.storage.describe(key));
    return Buffer.concat(chunks);
  }

  /**
   * Copies artifacts of a data folder from before shared storage (`<dir>/<sha[0..2]>/<sha>.onnx`)
   * into the storage, each checked against its name; already stored ones and corrupt files are
   * skipped. The local files stay (docs/operations.md: they may be removed afterwards).
   */
  async importLocal(dir: string): Promise<{ imported: number; corrupt: string[] }> {
    const corrupt: string[] = [];
    let imported = 0;
    if (this.storage.kind === 'disk' || !fs.existsSync(dir)) return { imported, corrupt };
    for (const prefix of await fs.promises.readdir(dir)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of await fs.promises.readdir(path.join(dir, prefix))) {
        const sha256 = /^([0-9a-f]{64})\.onnx$/.exec(name)?.[1];
        if (!sha256 || (await this.storage.has(artifactKey(sha256)))) continue;
        const file = path.join(dir, prefix, name);
        if ((await sha256OfStream(fs.createReadStream(file))) !== sha256) corrupt.push(file);
        else {
          await this.storage.putFile(artifactKey(sha256), file);
          imported++;
        }
      }
    }
    return { imported, corrupt };
  }

  private async open(sha256: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      return await this.storage.read(artifactKey(sha256));
    } catch (error) {
      if (error instanceof ObjectMissingError) throw new ArtifactMissingError(sha256, error);
      throw error;
    }
  }

  /** True when the artifact is stored and matches; a corrupt copy is replaced by the next put. */
  private async intact(sha256: string): Promise<boolean> {
    try {
      return (await sha256OfStream(await this.storage.read(artifactKey(sha256)))) === sha256;
    } catch {
      return false;
    }
  }
}
