import fs from 'node:fs';
import path from 'node:path';
import type { ObjectStorage } from '../store/object-storage.ts';

/**
 * A job's files (its dataset, its trainer's output) are written to a local scratch folder under
 * the data folder, since the trainer reads and writes files, then stored in the object storage
 * under their path relative to the data folder (`datasets/<jobId>/train.csv`,
 * `jobs/<jobId>/output/metrics.json`), so any replica can read them. On disk storage the scratch
 * folder is their place already and the upload is a no-op. Returns the keys stored.
 */
export async function storeJobFolder(storage: ObjectStorage, dataDir: string, folder: string): Promise<string[]> {
  const keys: string[] = [];
  if (!fs.existsSync(folder)) return keys;
  for (const entry of await fs.promises.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const key = path.relative(dataDir, file).split(path.sep).join('/');
    await storage.putFile(key, file);
    keys.push(key);
  }
  return keys;
}

/** Removes a job's scratch folder once its files are stored elsewhere (kept on disk storage: it is the storage). */
export async function removeJobScratch(storage: ObjectStorage, folders: readonly string[]): Promise<void> {
  if (storage.kind === 'disk') return;
  for (const folder of folders) await fs.promises.rm(folder, { recursive: true, force: true });
}
