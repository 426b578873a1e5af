import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const run = promisify(execFile);
const backendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('CLI: models, versions, promote, rollback against a running service', () => {
  let server: TestServer;
  let dir: string;
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['src/cli/main.ts', ...args], {
        cwd: backendDir,
        env: { ...process.env, MODELWATCH_URL: server.url, MODELWATCH_TOKEN: server.adminToken, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  before(async () => {
    server = await startTestServer('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-cli-'));
    fs.writeFileSync(path.join(dir, 'v1.onnx'), logisticRegressionOnnx({ weights: [0.1, 0.2] }));
    fs.writeFileSync(path.join(dir, 'v2.onnx'), logisticRegressionOnnx({ weights: [0.3, 0.1] }));
    fs.writeFileSync(path.join(dir, 'bad.onnx'), logisticRegressionOnnx({ weights: [1, 2, 3] }));
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a CI/CD pipeline: create, register, promote, rollback', async () => {
    const created = await cli(['models', 'create', 'ctr', '--features', 'price:numeric,age:numeric,category:categorical']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created model ctr \(3 features\)/);
    assert.match((await cli(['models', 'list'])).stdout, /^ctr\tbinary_classification\t3 features/m);

    const v1 = await cli(['versions', 'register', 'ctr', '--file', path.join(dir, 'v1.onnx'), '--metrics', '{"auc":0.7}']);
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /registered ctr v1 \(sha256 [0-9a-f]{12}, tensor input, serving: loaded\)/);
    const v2 = await cli(['versions', 'register', 'ctr', '--file', path.join(dir, 'v2.onnx'), '--version', 'v2', '--parent', 'v1', '--challenger', '--json']);
    assert.equal(v2.code, 0, v2.stderr);
    assert.deepEqual(JSON.parse(v2.stdout).lineage, { parentVersion: 'v1' });

    const first = await cli(['promote', 'ctr', '--version', 'v1', '--reason', 'initial release']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /promote ctr: \(none\) → v1 succeeded/);
    const toChallenger = await cli(['promote', 'ctr', '--reason', 'pipeline 42', '--idempotency-key', 'pipeline-42']);
    assert.match(toChallenger.stdout, /promote ctr: v1 → v2 succeeded/);
    const retried = await cli(['promote', 'ctr', '--reason', 'pipeline 42', '--idempotency-key', 'pipeline-42']);
    assert.equal(retried.code, 0, 'a retried pipeline step answers the first result');
    assert.equal(retried.stdout, toChallenger.stdout);

    const listed = await cli(['versions', 'list', 'ctr']);
    assert.match(listed.stdout, /^v2\t.*\tchampion\tvalidation=none\tserving=loaded/m);

    const rollback = await cli(['rollback', 'ctr', '--reason', 'conversion dropped']);
    assert.match(rollback.stdout, /rollback ctr: v2 → v1 succeeded/);
    const explicit = await cli(['rollback', 'ctr', '--to', 'v2', '--reason', 'back again', '--json']);
    assert.equal(JSON.parse(explicit.stdout).action.toVersion, 'v2');
  });

  test('failures: the service\'s message on stderr and a non-zero exit code', async () => {
    const bad = await cli(['versions', 'register', 'ctr', '--file', path.join(dir, 'bad.onnx')]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /400 artifact: input "features" takes 3 columns/);
    const noReason = await cli(['rollback', 'ctr']);
    assert.notEqual(noReason.code, 0);
    assert.match(noReason.stderr, /--reason/);
    const noToken = await cli(['models', 'list'], { MODELWATCH_TOKEN: '' });
    assert.equal(noToken.code, 4);
    assert.match(noToken.stderr, /no token/);
    const down = await cli(['models', 'list', '--url', 'http://127.0.0.1:1']);
    assert.equal(down.code, 5);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
