/**
 * The object storage port's contract (store/object-storage.ts), run against each implementation:
 * the data folder, PostgreSQL (the test cluster, when it is up) and a real S3-protocol server
 * (@20minutes/s3rver) through the AWS SDK v3. Also: the artifact store's checksum on each.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ArtifactCorruptError, ArtifactMissingError, ArtifactStore, artifactKey, sha256Hex } from '../registry/artifact-store.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { startS3Server, type TestS3Server } from '../testing/s3-server.ts';
import { migrateToLatest, openStore, type Store } from './database.ts';
import { DiskObjectStorage } from './disk-object-storage.ts';
import { ObjectMissingError, type ObjectStorage, type ObjectStorageKind } from './object-storage.ts';
import { PostgresObjectStorage } from './postgres-object-storage.ts';
import { S3ObjectStorage } from './s3-object-storage.ts';

const MiB = 1024 * 1024;

interface Subject {
  storage: ObjectStorage;
  close(): Promise<void>;
}

const kinds: ObjectStorageKind[] = ['disk', ...(testDialects().includes('postgres') ? (['postgres'] as const) : []), 's3'];

async function open(kind: ObjectStorageKind, root: string): Promise<Subject> {
  if (kind === 'disk') return { storage: new DiskObjectStorage(root), close: async () => {} };
  if (kind === 'postgres') {
    const store: Store = await openStore({ dataDir: root, databaseUrl: await freshPostgresDatabase() });
    await migrateToLatest(store);
    return { storage: new PostgresObjectStorage(store.db), close: () => store.close() };
  }
  const server: TestS3Server = await startS3Server();
  const storage = new S3ObjectStorage({ ...server.options, prefix: 'mw/' });
  return {
    storage,
    async close() {
      await storage.close();
      await server.stop();
    },
  };
}

const collect = async (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
};

/** The highest RSS seen (sampled every 5 ms) while `work` runs, above the RSS before it. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  global.gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - start;
}

for (const kind of kinds) {
  describe(`object storage: ${kind}`, () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `mw-objects-${kind}-`));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `mw-objects-src-`));
    let subject: Subject;
    const fileOf = (bytes: Uint8Array): string => {
      const file = path.join(scratch, randomBytes(6).toString('hex'));
      fs.writeFileSync(file, bytes);
      return file;
    };

    before(async () => {
      subject = await open(kind, root);
    });
    after(async () => {
      await subject?.close();
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    test('put, read, has, replace, delete; a missing key is ObjectMissingError naming where', async () => {
      const { storage } = subject;
      assert.equal(storage.kind, kind);
      assert.equal(await storage.has('datasets/j1/train.csv'), false);
      await assert.rejects(storage.read('datasets/j1/train.csv'), (error: Error) => error instanceof ObjectMissingError && error.message.includes('does not exist'));
      await storage.putFile('datasets/j1/train.csv', fileOf(Buffer.from('a,b\n1,2\n')));
      assert.equal(await storage.has('datasets/j1/train.csv'), true);
      assert.deepEqual(await collect(await storage.read('datasets/j1/train.csv')), Buffer.from('a,b\n1,2\n'));
      await storage.putFile('datasets/j1/train.csv', fileOf(Buffer.from('replaced')));
      assert.deepEqual(await collect(await storage.read('datasets/j1/train.csv')), Buffer.from('replaced'));
      await storage.putFile('datasets/j1/empty', fileOf(Buffer.alloc(0)));
      assert.deepEqual(await collect(await storage.read('datasets/j1/empty')), Buffer.alloc(0));
      await storage.delete('datasets/j1/train.csv');
      await storage.delete('datasets/j1/train.csv');
      assert.equal(await storage.has('datasets/j1/train.csv'), false);
      for (const bad of ['', '/etc/passwd', '../up', 'a//b', 'a/./b']) await assert.rejects(storage.read(bad), /not a relative path/);
    });

    test('a 100 MB object goes in and out streamed: peak RSS grows by far less than its size', { timeout: 120_000 }, async (t) => {
      const { storage } = subject;
      const file = path.join(scratch, 'big');
      const handle = fs.openSync(file, 'w');
      const block = randomBytes(MiB);
      for (let i = 0; i < 100; i++) fs.writeSync(handle, block);
      fs.closeSync(handle);
      const started = Date.now();
      const putGrowth = await peakRssGrowth(() => storage.putFile('artifacts/big.onnx', file));
      const putMs = Date.now() - started;
      let size = 0;
      const readGrowth = await peakRssGrowth(async () => {
        for await (const chunk of await storage.read('artifacts/big.onnx')) size += chunk.byteLength;
      });
      t.diagnostic(`${kind}: 100 MB put in ${putMs} ms, peak RSS +${Math.round(putGrowth / MiB)} MB; read back, peak RSS +${Math.round(readGrowth / MiB)} MB`);
      assert.equal(size, 100 * MiB);
      // Read chunks wait for a garbage collection, which V8 starts after some 64 MiB of external
      // buffers (registry/upload-streaming.test.ts measured 77-92 MB the same way): bounded, not 100 MB.
      assert.ok(putGrowth < 96 * MiB, `put: RSS grew ${Math.round(putGrowth / MiB)} MB`);
      assert.ok(readGrowth < 96 * MiB, `read: RSS grew ${Math.round(readGrowth / MiB)} MB`);
      await storage.delete('artifacts/big.onnx');
    });

    test('artifacts: content-addressed, checksum verified on every read, a corrupt object is repaired by the next put', async () => {
      const artifacts = new ArtifactStore(subject.storage, path.join(scratch, 'incoming'));
      const bytes = Buffer.from(`onnx bytes on ${kind}`);
      const stored = await artifacts.adopt(await artifacts.stage([bytes], Number.POSITIVE_INFINITY));
      assert.equal(stored.sha256, sha256Hex(bytes));
      assert.equal(stored.key, artifactKey(stored.sha256));
      assert.deepEqual(await artifacts.read(stored.sha256), bytes);
      assert.deepEqual(fs.readdirSync(path.join(scratch, 'incoming')), [], 'nothing left staged');
      // Someone changes the stored bytes behind the service's back.
      await subject.storage.putFile(stored.key, fileOf(Buffer.from('tampered')));
      await assert.rejects(artifacts.read(stored.sha256), (error: Error) => error instanceof ArtifactCorruptError && /is corrupt: .* hashes to/.test(error.message));
      await artifacts.adopt(await artifacts.stage([bytes], Number.POSITIVE_INFINITY));
      assert.deepEqual(await artifacts.read(stored.sha256), bytes);
      await assert.rejects(artifacts.read('ab'.repeat(32)), (error: Error) => error instanceof ArtifactMissingError && /is missing: .*does not exist/.test(error.message));
    });

    test('artifacts of a data folder from before shared storage are copied in, checked against their names', async () => {
      const artifacts = new ArtifactStore(subject.storage, path.join(scratch, 'incoming'));
      const old = path.join(scratch, 'old-artifacts');
      const good = Buffer.from(`an old artifact ${kind}`);
      const goodFile = path.join(old, sha256Hex(good).slice(0, 2), `${sha256Hex(good)}.onnx`);
      const badName = 'cd'.repeat(32);
      fs.mkdirSync(path.dirname(goodFile), { recursive: true });
      fs.writeFileSync(goodFile, good);
      fs.mkdirSync(path.join(old, 'cd'), { recursive: true });
      fs.writeFileSync(path.join(old, 'cd', `${badName}.onnx`), 'not what the name says');
      const result = await artifacts.importLocal(old);
      if (kind === 'disk') assert.deepEqual(result, { imported: 0, corrupt: [] }, 'on disk the data folder is the storage');
      else {
        assert.deepEqual(result, { imported: 1, corrupt: [path.join(old, 'cd', `${badName}.onnx`)] });
        assert.deepEqual(await artifacts.read(sha256Hex(good)), good);
        assert.deepEqual(await artifacts.importLocal(old), { imported: 0, corrupt: [path.join(old, 'cd', `${badName}.onnx`)] }, 'stored ones are not copied again');
      }
    });
  });
}
