/**
 * Where artifacts and job outputs are kept (issue 20): one port, three implementations chosen
 * by configuration (compose/object-storage.ts): the data folder (disk-object-storage.ts, the
 * SQLite default), PostgreSQL rows (postgres-object-storage.ts, the default on PostgreSQL, so
 * every replica reads what any replica wrote) and S3-compatible object storage
 * (s3-object-storage.ts). Keys are relative paths such as `artifacts/ab/<sha256>.onnx`.
 */
export type ObjectStorageKind = 'disk' | 'postgres' | 's3';

export interface ObjectStorage {
  readonly kind: ObjectStorageKind;
  /**
   * Stores the bytes of the local file `file` under `key`, replacing an object already there;
   * readers see the old object or the new one whole, never a part. The file may be moved there
   * (disk: a rename), so the caller treats it as consumed and removes it if it is still there.
   */
  putFile(key: string, file: string): Promise<void>;
  /** The object's bytes, streamed; throws ObjectMissingError when there is none. */
  read(key: string): Promise<AsyncIterable<Uint8Array>>;
  has(key: string): Promise<boolean>;
  /** Removes the object; harmless when there is none. */
  delete(key: string): Promise<void>;
  /** Where the object lives, for messages (a path, a table row, an s3:// URL). */
  describe(key: string): string;
  close(): Promise<void>;
}

export class ObjectMissingError extends Error {
  readonly key: string;

  constructor(key: string, where: string) {
    super(`${where} does not exist`);
    this.name = 'ObjectMissingError';
    this.key = key;
  }
}

/** Keys are relative, slash-separated and never climb out of their root. */
export function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new Error(`object key "${key}": not a relative path`);
  return key;
}
