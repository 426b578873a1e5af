/**
 * Issue 20: replicas with data folders of their own share artifacts and job outputs through the
 * artifact storage: PostgreSQL rows (the default on PostgreSQL) or an S3-protocol server. A
 * version uploaded over HTTP to replica A is served by replica B; a retrain job run on A
 * registers a version B serves, its dataset readable from the storage; bytes changed behind
 * the service's back are refused on B with the checksum error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createObjectStorage } from '../compose/object-storage.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { testDialects } from '../testing/databases.ts';
import { startReplicas, type Replicas } from '../testing/replicas.ts';
import { retrainFeatures, retrainTraffic } from '../testing/retrain-traffic.ts';
import { startS3Server, type TestS3Server } from '../testing/s3-server.ts';
import { createTestModel, promote } from '../testing/serving-helpers.ts';
import type { TestServer } from '../testing/test-server.ts';
import { artifactKey, sha256Hex } from './artifact-store.ts';

/** A multipart upload, as the CLI and the app send it. */
async function upload(server: TestServer, model: string, onnx: Buffer, version: string) {
  const form = new FormData();
  form.append('meta', JSON.stringify({ version }));
  form.append('artifact', new Blob([new Uint8Array(onnx)]), 'model.onnx');
  const response = await fetch(new URL(`/api/v1/models/${model}/versions`, server.url), { method: 'POST', body: form, headers: { authorization: `Bearer ${server.adminToken}` } });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { version: string; artifact: { sha256: string } };
}

/** The version B serves for the model, once it serves `version` (pushed by NOTIFY; 5 s at most). */
async function servedBy(server: TestServer, model: string, version: string, features: Record<string, unknown>) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const reply = await server.request('POST', `/api/v1/models/${model}/predict`, { body: { features } });
    if (reply.status === 200 && reply.body.predictions[0].version === version) return reply.body.predictions[0];
    if (Date.now() > deadline) assert.fail(`replica does not serve ${version}: ${reply.status} ${reply.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const storages = ['postgres', 's3'] as const;

for (const kind of storages) {
  describe(`artifacts shared between replicas through ${kind}`, { skip: !testDialects().includes('postgres') }, () => {
    let s3: TestS3Server | undefined;
    let started: Replicas | undefined;
    let a: TestServer;
    let b: TestServer;
    before(async () => {
      s3 = kind === 's3' ? await startS3Server() : undefined;
      started = await startReplicas(2, { ...(s3?.env ?? {}), MODELWATCH_JOBS_POLL_MS: '50', MODELWATCH_GPUS: 'none' });
      [a, b] = started.replicas as [TestServer, TestServer];
      // A runs the jobs, B none: whatever B serves of a retrain came through the storage.
      await b.ctx.jobs.stop();
      assert.notEqual(a.dataDir, b.dataDir);
      assert.equal(a.ctx.config.storage.kind, kind);
    });
    after(async () => {
      await started?.close();
      await s3?.stop();
    });

    test('a version uploaded over HTTP to A is served by B, which never had the file', async () => {
      await createTestModel(a, 'ctr');
      const onnx = logisticRegressionOnnx({ weights: [0.5, -0.25] });
      const registered = await upload(a, 'ctr', onnx, 'up-1');
      assert.equal(registered.artifact.sha256, sha256Hex(onnx));
      assert.ok(!fs.existsSync(`${b.dataDir}/artifacts/${registered.artifact.sha256.slice(0, 2)}`), 'B has no local copy');
      await promote(a, 'ctr', 'up-1');
      const prediction = await servedBy(b, 'ctr', 'up-1', { price: 2, age: 1, category: 'x' });
      assert.equal(typeof prediction.score, 'number');
    });

    test('bytes changed in the storage are refused by B with the checksum error, never served', async () => {
      const onnx = logisticRegressionOnnx({ weights: [1.5, 0.5] });
      const { artifact } = await upload(a, 'ctr', onnx, 'up-2');
      const storage = createObjectStorage(a.ctx.config.storage, a.ctx.store, a.dataDir);
      const tampered = `${a.dataDir}/tampered.onnx`;
      fs.writeFileSync(tampered, logisticRegressionOnnx({ weights: [9, 9] }));
      await storage.putFile(artifactKey(artifact.sha256), tampered);
      if (kind === 's3') await storage.close();
      // B loads up-2 for the first time when it becomes champion: it must refuse it and keep serving up-1.
      await promote(a, 'ctr', 'up-2');
      await new Promise((r) => setTimeout(r, 500));
      const served = await b.request('POST', '/api/v1/models/ctr/predict', { body: { features: { price: 2, age: 1, category: 'x' } } });
      assert.notEqual(served.body.predictions?.[0]?.version, 'up-2', served.text);
      const loaded = await b.ctx.registry.ensureLoaded('ctr', 'up-2').then(
        () => 'loaded',
        (error: Error) => error.message,
      );
      assert.match(loaded, /cannot be loaded: artifact [0-9a-f]{12}… is corrupt: .* hashes to/);
      const download = await b.request('GET', '/api/v1/models/ctr/versions/up-2/artifact');
      assert.equal(download.status, 422, download.text);
      assert.match(download.body.error.message, /the artifact of version "up-2" cannot be read: .*is corrupt/);
      await promote(a, 'ctr', 'up-1');
    });

    test('a retrain job run on A registers a version B serves; its dataset and trainer output are in the storage', { timeout: 90_000 }, async () => {
      const created = await a.request('POST', '/api/v1/models', { body: { name: 'churn', features: retrainFeatures, settings: { retrain: { window: '7d' } } } });
      assert.equal(created.status, 201, created.text);
      const { predictions, outcomes } = retrainTraffic(600, 7, Date.now());
      assert.equal((await a.request('POST', '/api/v1/models/churn/predictions', { body: { records: predictions } })).body.accepted, 600);
      assert.equal((await a.request('POST', '/api/v1/models/churn/outcomes', { body: { records: outcomes } })).body.accepted, 600);
      // Queued through B, whose worker is stopped: A picks the job up.
      const queued = await b.request('POST', '/api/v1/models/churn/actions/retrain', { body: { reason: 'shared storage', params: { maxIterations: 30 } } });
      assert.equal(queued.status, 202, queued.text);
      const jobId = queued.body.action.jobId as string;
      let job: any;
      for (const deadline = Date.now() + 60_000; ; ) {
        job = (await b.request('GET', `/api/v1/jobs/${jobId}`)).body.job;
        if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
        if (Date.now() > deadline) assert.fail(`job still ${job.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(job.status, 'succeeded', job.error);
      await promote(b, 'churn', job.producedVersion);
      await servedBy(b, 'churn', job.producedVersion, { x1: 1, x2: 0, x3: 0.5, country: 'de' });
      const storage = createObjectStorage(b.ctx.config.storage, b.ctx.store, b.dataDir);
      try {
        const manifest = JSON.parse(await text(await storage.read(`datasets/${jobId}/manifest.json`)));
        assert.equal(manifest.rows, 600);
        assert.ok(await storage.has(`datasets/${jobId}/train.csv`));
      } finally {
        if (kind === 's3') await storage.close();
      }
      for (const server of [a, b]) assert.ok(!fs.existsSync(`${server.dataDir}/datasets/${jobId}`), 'no local scratch left');
      if (kind === 'postgres') {
        const rows = await sql<{ n: number }>`select count(*)::int as n from stored_objects where key like ${`datasets/${jobId}/%`}`.execute(b.ctx.store.db);
        assert.ok(rows.rows[0]!.n >= 3, 'manifest, train and holdout are rows');
      }
    });
  });
}
