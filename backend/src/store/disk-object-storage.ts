import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkKey, ObjectMissingError, type ObjectStorage } from './object-storage.ts';

/**
 * Objects as files under the data folder: key `artifacts/ab/<sha>.onnx` is
 * `<root>/artifacts/ab/<sha>.onnx`, the layout the service always had, so existing data
 * folders need no migration. Writes land in a temporary name beside the target and are renamed.
 */
export class DiskObjectStorage implements ObjectStorage {
  readonly kind = 'disk' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  pathFor(key: string): string {
    return path.join(this.root, checkKey(key));
  }

  async putFile(key: string, file: string): Promise<void> {
    const target = this.pathFor(key);
    // Job outputs are written where their key points already: nothing to do.
    if (path.resolve(file) === target) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.promises.rename(file, temporary);
    } catch (error) {
      // Another file system (a staging folder elsewhere): copy instead of moving.
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await fs.promises.copyFile(file, temporary);
    }
    await fs.promises.rename(temporary, target);
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const file = this.pathFor(key);
    const handle = await fs.promises.open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new ObjectMissingError(key, file) : error;
    });
    return handle.createReadStream({ highWaterMark: 1024 * 1024 });
  }

  async has(key: string): Promise<boolean> {
    return fs.promises.access(this.pathFor(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathFor(key), { force: true });
  }

  describe(key: string): string {
    return this.pathFor(key);
  }

  async close(): Promise<void> {}
}
