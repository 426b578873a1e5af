import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../core/errors.ts';

/** A stored artifact's bytes no longer hash to the name they were stored under. */
export class ArtifactCorruptError extends Error {
  readonly sha256: string;
  readonly actual: string;

  constructor(sha256: string, actual: string, file: string) {
    super(`artifact ${sha256.slice(0, 12)}… is corrupt: ${file} hashes to ${actual.slice(0, 12)}…`);
    this.name = 'ArtifactCorruptError';
    this.sha256 = sha256;
    this.actual = actual;
  }
}

export class ArtifactMissingError extends Error {
  constructor(sha256: string, file: string) {
    super(`artifact ${sha256.slice(0, 12)}… is missing: ${file} does not exist`);
    this.name = 'ArtifactMissingError';
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** An upload received into the store's `incoming/` folder: not yet an artifact (ArtifactStore.adopt). */
export interface StagedArtifact {
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** Parts older than this in `incoming/` belong to a process that died mid-upload (replicas share the folder). */
const ABANDONED_PART_MS = 24 * 3_600_000;

/**
 * ONNX files, content-addressed: `<dir>/<sha[0..2]>/<sha>.onnx`. Equal bytes are stored
 * once; the name is the checksum, verified on every read. Writes go to `<dir>/incoming/`
 * (stage: written, fsynced), then are renamed into place (adopt), so a crash never leaves a
 * half-written artifact under its final name.
 */
export class ArtifactStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), `${sha256}.onnx`);
  }

  /**
   * Streams an upload to `<dir>/incoming/` (same file system, so adopting it is a rename), hashing
   * as it goes, so a large artifact is never held in memory whole (issue 16: four 60 MB uploads
   * buffered cost 355 MB). More than `maxBytes` is a 413 naming the limit; on any error or abort
   * of `source` the partial file is removed.
   */
  async stage(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number): Promise<StagedArtifact> {
    const incoming = path.join(this.dir, 'incoming');
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

  /** Moves a staged upload under its checksum (kept once: an intact copy already there wins). */
  async adopt(staged: StagedArtifact): Promise<{ sha256: string; sizeBytes: number; path: string }> {
    const file = this.pathFor(staged.sha256);
    if (await this.intact(file, staged.sha256)) await this.discard(staged);
    else {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.rename(staged.file, file);
    }
    return { sha256: staged.sha256, sizeBytes: staged.sizeBytes, path: file };
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
    const file = this.pathFor(sha256);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactMissingError(sha256, file);
      throw error;
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new ArtifactCorruptError(sha256, actual, file);
    return bytes;
  }

  /** True when the file exists and matches; a corrupt copy is replaced by the next put. */
  private async intact(file: string, sha256: string): Promise<boolean> {
    try {
      const hash = createHash('sha256');
      for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
      return hash.digest('hex') === sha256;
    } catch {
      return false;
    }
  }
}
