import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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

/**
 * ONNX files, content-addressed: `<dir>/<sha[0..2]>/<sha>.onnx`. Equal bytes are stored
 * once; the name is the checksum, verified on every read. Writes go to a temporary file,
 * fsync, then rename, so a crash never leaves a half-written artifact under its final name.
 */
export class ArtifactStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), `${sha256}.onnx`);
  }

  async put(bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number; path: string }> {
    const sha256 = sha256Hex(bytes);
    const file = this.pathFor(sha256);
    if (!(await this.intact(file, sha256))) {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await fs.promises.open(temp, 'w', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(temp, file);
    }
    return { sha256, sizeBytes: bytes.byteLength, path: file };
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
      return sha256Hex(await fs.promises.readFile(file)) === sha256;
    } catch {
      return false;
    }
  }
}
