import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DiskObjectStorage } from '../store/disk-object-storage.ts';
import { ArtifactCorruptError, ArtifactMissingError, ArtifactStore, sha256Hex } from './artifact-store.ts';
import { KeyedMutex } from './keyed-mutex.ts';

// The same contract on PostgreSQL and S3: store/object-storage.test.ts.
describe('artifact store on disk', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-artifacts-'));
  const dir = path.join(dataDir, 'artifacts');
  const store = new ArtifactStore(new DiskObjectStorage(dataDir), path.join(dir, 'incoming'));
  const fileOf = (sha256: string) => path.join(dir, sha256.slice(0, 2), `${sha256}.onnx`);
  const put = async (bytes: Uint8Array) => store.adopt(await store.stage([bytes], Number.POSITIVE_INFINITY));

  test('content-addressed: same bytes, same file; read verifies the checksum', async () => {
    const bytes = Buffer.from('onnx bytes');
    const a = await put(bytes);
    const b = await put(Buffer.from('onnx bytes'));
    assert.equal(a.sha256, sha256Hex(bytes));
    assert.equal(a.key, b.key);
    assert.equal(a.key, `artifacts/${a.sha256.slice(0, 2)}/${a.sha256}.onnx`);
    assert.deepEqual(await store.read(a.sha256), bytes);
    assert.deepEqual(fs.readdirSync(path.dirname(fileOf(a.sha256))), [`${a.sha256}.onnx`]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'incoming')), [], 'no temporary files left');
  });

  test('staging streams chunks with their checksum; past the limit it is a 413 naming it and leaves nothing', async () => {
    const chunks = [Buffer.from('part one, '), Buffer.from('part two')];
    const staged = await store.stage(chunks, 100);
    assert.equal(staged.sha256, sha256Hex(Buffer.concat(chunks)));
    assert.equal(staged.sizeBytes, 18);
    assert.deepEqual(await store.readStaged(staged), Buffer.concat(chunks));
    await store.discard(staged);
    await assert.rejects(store.stage(chunks, 17), (error: Error & { code?: string }) => error.code === 'payload_too_large' && /limit of 17 bytes/.test(error.message));
    async function* failing() {
      yield Buffer.from('some bytes');
      throw new Error('connection reset');
    }
    await assert.rejects(store.stage(failing(), 100), /connection reset/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'incoming')), []);
  });

  test('a changed file is detected as corrupt, and a later put repairs it', async () => {
    const bytes = Buffer.from('another model');
    const { sha256 } = await put(bytes);
    fs.writeFileSync(fileOf(sha256), 'tampered');
    await assert.rejects(store.read(sha256), (error: Error) => error instanceof ArtifactCorruptError && /is corrupt/.test(error.message));
    await put(bytes);
    assert.deepEqual(await store.read(sha256), bytes);
  });

  test('a missing file is reported as missing', async () => {
    await assert.rejects(store.read('ab'.repeat(32)), ArtifactMissingError);
  });
});

describe('keyed mutex', () => {
  test('serialises work per key, in order; other keys run alongside', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const work = (key: string, name: string, ms: number) =>
      mutex.run(key, async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
      });
    await Promise.all([work('m', 'a', 20), work('m', 'b', 1), work('other', 'c', 1)]);
    assert.deepEqual(log, ['start a', 'start c', 'end c', 'end a', 'start b', 'end b']);
    assert.equal(mutex.busy('m'), false);
  });

  test('a failure releases the lock', async () => {
    const mutex = new KeyedMutex();
    await assert.rejects(mutex.run('k', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await mutex.run('k', async () => 42), 42);
  });
});
