import type { StorageConfig } from '../core/config.ts';
import { DiskObjectStorage } from '../store/disk-object-storage.ts';
import type { Store } from '../store/database.ts';
import type { ObjectStorage } from '../store/object-storage.ts';
import { PostgresObjectStorage } from '../store/postgres-object-storage.ts';
import { S3ObjectStorage } from '../store/s3-object-storage.ts';

/** The storage for artifacts and job outputs that the configuration names (docs/operations.md "Artifact storage"). */
export function createObjectStorage(config: StorageConfig, store: Store, dataDir: string): ObjectStorage {
  switch (config.kind) {
    case 'disk':
      return new DiskObjectStorage(dataDir);
    case 'postgres':
      if (store.dialect !== 'postgres') throw new Error('artifact storage "postgres" needs the store on PostgreSQL (MODELWATCH_DATABASE_URL)');
      return new PostgresObjectStorage(store.db);
    case 's3':
      return new S3ObjectStorage(config);
  }
}
