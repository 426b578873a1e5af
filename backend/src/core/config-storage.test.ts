import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const pg = { MODELWATCH_DATABASE_URL: 'postgres://u@h/db' };

describe('artifact storage configuration', () => {
  test('defaults follow the store: disk on SQLite, postgres on PostgreSQL, s3 once a bucket is named', () => {
    assert.deepEqual(loadConfig({}).storage, { kind: 'disk' });
    assert.deepEqual(loadConfig(pg).storage, { kind: 'postgres' });
    assert.deepEqual(loadConfig({ ...pg, MODELWATCH_S3_BUCKET: 'models' }).storage, {
      kind: 's3',
      bucket: 'models',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
      prefix: '',
    });
    assert.deepEqual(loadConfig({ ...pg, MODELWATCH_ARTIFACT_STORAGE: 'disk' }).storage, { kind: 'disk' });
  });

  test('every S3 variable is read', () => {
    const config = loadConfig({
      MODELWATCH_S3_BUCKET: 'b',
      MODELWATCH_S3_ENDPOINT: 'http://minio:9000',
      MODELWATCH_S3_REGION: 'eu-west-1',
      MODELWATCH_S3_ACCESS_KEY_ID: 'id',
      MODELWATCH_S3_SECRET_ACCESS_KEY: 'secret',
      MODELWATCH_S3_FORCE_PATH_STYLE: 'on',
      MODELWATCH_S3_PREFIX: 'mw/',
    });
    assert.deepEqual(config.storage, {
      kind: 's3',
      bucket: 'b',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      forcePathStyle: true,
      prefix: 'mw/',
    });
  });

  test('what a kind needs is named when missing', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };
    assert.match(problems({ MODELWATCH_ARTIFACT_STORAGE: 'postgres' }), /needs MODELWATCH_DATABASE_URL/);
    assert.match(problems({ MODELWATCH_ARTIFACT_STORAGE: 's3' }), /needs MODELWATCH_S3_BUCKET/);
    assert.match(problems({ MODELWATCH_S3_BUCKET: 'b', MODELWATCH_S3_ACCESS_KEY_ID: 'id' }), /set both or neither/);
    assert.match(problems({ MODELWATCH_S3_BUCKET: 'b', MODELWATCH_S3_ENDPOINT: 'minio' }), /MODELWATCH_S3_ENDPOINT.*must be a URL/);
    assert.match(problems({ MODELWATCH_ARTIFACT_STORAGE: 'nfs' }), /MODELWATCH_ARTIFACT_STORAGE/);
  });
});
