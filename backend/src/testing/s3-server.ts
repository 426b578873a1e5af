import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from '@20minutes/s3rver';
import type { S3StorageOptions } from '../store/s3-object-storage.ts';

export interface TestS3Server {
  /** Options for S3ObjectStorage against this server's one bucket. */
  options: S3StorageOptions;
  /** The same as MODELWATCH_S3_* variables, for a service process. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A real S3-protocol server (@20minutes/s3rver) on a free port, its objects in a temporary folder. */
export async function startS3Server(bucket = 'modelwatch'): Promise<TestS3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts any signature made with its fixed key pair.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    options: { bucket, endpoint, region: 'us-east-1', credentials, forcePathStyle: true, prefix: '' },
    env: {
      MODELWATCH_S3_BUCKET: bucket,
      MODELWATCH_S3_ENDPOINT: endpoint,
      MODELWATCH_S3_REGION: 'us-east-1',
      MODELWATCH_S3_ACCESS_KEY_ID: credentials.accessKeyId,
      MODELWATCH_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      MODELWATCH_S3_FORCE_PATH_STYLE: 'on',
    },
    async stop() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
