import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { externalDataOnnx, logisticRegressionOnnx, loopOnnx } from '../testing/onnx-fixtures.ts';
import { inspectArtifactFile, type InspectionLimits } from './inspect-artifact.ts';
import type { Feature } from '../models/model-schemas.ts';
import type { SessionLoadOptions } from './onnx-session.ts';

/** The bytes written to a file, as an upload streamed to disk would be, then inspected. */
async function inspectArtifact(bytes: Uint8Array, features: readonly Feature[], options: SessionLoadOptions, limits: InspectionLimits): Promise<void> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mw-inspect-test-'));
  try {
    await fs.promises.writeFile(path.join(dir, 'model.onnx'), bytes);
    await inspectArtifactFile(path.join(dir, 'model.onnx'), features, options, limits);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const features = [{ name: 'x', type: 'numeric' as const }];
const limits = { timeoutMs: 3000, maxRssBytes: 1024 ** 3 };

test('a well-formed artifact passes the sandboxed inspection', async () => {
  await inspectArtifact(logisticRegressionOnnx({ weights: [0.5] }), features, { providers: ['cpu'] }, limits);
});

test('a Loop of 2^40 iterations is killed at the time limit and refused, while this event loop keeps running', async () => {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 50);
  const started = Date.now();
  try {
    await assert.rejects(inspectArtifact(loopOnnx(2 ** 40), features, { providers: ['cpu'] }, limits), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'invalid_argument');
      assert.match(error.message, /did not finish within 3 s/);
      return true;
    });
  } finally {
    clearInterval(ticker);
  }
  assert.ok(Date.now() - started < 10_000);
  assert.ok(ticks >= 20, `the main event loop ran during the inspection (${ticks} ticks)`);
  // A short Loop is a legitimate model.
  await inspectArtifact(loopOnnx(3), features, { providers: ['cpu'] }, limits);
});

test('an initializer with external data is refused before onnxruntime opens it', async () => {
  await assert.rejects(inspectArtifact(externalDataOnnx(), features, { providers: ['cpu'] }, limits), /initializer "W" keeps its data in an external file/);
});

test('a memory limit below what loading needs is reported as the memory limit', async () => {
  await assert.rejects(inspectArtifact(loopOnnx(2 ** 40), features, { providers: ['cpu'] }, { timeoutMs: 10_000, maxRssBytes: 1024 }), /used more than 0 MB/);
});
