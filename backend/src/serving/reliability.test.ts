import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createObjectStorage } from '../compose/object-storage.ts';
import { loadConfig } from '../core/config.ts';
import { artifactKey } from '../registry/artifact-store.ts';
import { openStore } from '../store/database.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { testFeatures } from '../testing/serving-helpers.ts';

/**
 * The real service as a separate process (`modelwatch serve`), killed with SIGKILL in the
 * middle of promotions, then restarted on the same store: exactly one champion, and it serves.
 */
const backendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'mw_reliability_admin_token_0123456789';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

interface Service {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    cwd: backendDir,
    env: { ...process.env, ...env, MODELWATCH_ADMIN_TOKEN: TOKEN, MODELWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${env.MODELWATCH_PORT}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`service did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => output };
}

const kill9 = (service: Service): Promise<void> =>
  new Promise((resolve) => {
    const { child } = service;
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    service.child.once('exit', () => resolve());
    service.child.kill('SIGKILL');
  });

async function call(url: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, body: json && text ? JSON.parse(text) : undefined, text };
}

async function envFor(dialect: string): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-kill-'));
  return {
    MODELWATCH_DATA_DIR: dataDir,
    MODELWATCH_PORT: String(await freePort()),
    ...(dialect === 'postgres' ? { MODELWATCH_DATABASE_URL: await freshPostgresDatabase() } : {}),
  };
}

for (const dialect of testDialects()) {
  describe(`reliability of the real service on ${dialect}`, () => {
    const running: Service[] = [];
    after(async () => {
      for (const s of running) await kill9(s);
    });

    test('kill -9 in the middle of promotions: after each restart exactly one champion, and it serves', async () => {
      const env = await envFor(dialect);
      let service = await startService(env);
      running.push(service);
      assert.equal((await call(service.url, 'POST', '/api/v1/models', { name: 'ctr', features: testFeatures })).status, 201);
      for (const w of [1, 2, 3]) {
        const r = await call(service.url, 'POST', '/api/v1/models/ctr/versions', { artifact: logisticRegressionOnnx({ weights: [w / 10, 0] }).toString('base64') });
        assert.equal(r.status, 201, r.text);
      }
      assert.equal((await call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: 'v1', reason: 'start' })).status, 200);

      const rounds = 6;
      for (let round = 0; round < rounds; round++) {
        const target = ['v2', 'v3', 'v1'][round % 3]!;
        // Several promotions in flight, then SIGKILL after 0-20 ms: some commit, some not.
        const inFlight = Array.from({ length: 4 }, (_, i) =>
          call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: i % 2 ? target : 'v1', reason: `round ${round}` }).catch(() => undefined),
        );
        await new Promise((r) => setTimeout(r, (round * 7) % 21));
        await kill9(service);
        await Promise.all(inFlight);

        service = await startService(env);
        running.push(service);
        const aliases = await call(service.url, 'GET', '/api/v1/models/ctr/aliases');
        assert.equal(aliases.status, 200);
        const champion = aliases.body.champion as string;
        assert.ok(['v1', 'v2', 'v3'].includes(champion), `round ${round}: champion ${champion}`);
        // The history agrees with the alias: the newest champion entry names it.
        const last = aliases.body.history.find((h: { alias: string }) => h.alias === 'champion');
        assert.equal(last.version, champion, `round ${round}: history ends on the champion`);
        // Every succeeded promote has its alias change, and no action is left half-done.
        const actions = (await call(service.url, 'GET', '/api/v1/models/ctr/actions?limit=1000')).body.actions as Array<{ id: string; status: string }>;
        const changes = new Set(aliases.body.history.map((h: { actionId: string }) => h.actionId));
        for (const a of actions.filter((x) => x.status === 'succeeded')) assert.ok(changes.has(a.id), `action ${a.id} committed with its alias change`);
        const predict = await call(service.url, 'POST', '/api/v1/models/ctr/predict', { features: { price: 1, age: 2 } });
        assert.equal(predict.status, 200, predict.text);
        assert.equal(predict.body.predictions[0].version, champion);
      }
      await kill9(service);
    });

    test('a crash inside the promotion transaction (or right after its commit): all or nothing', async () => {
      const env = await envFor(dialect);
      let service = await startService(env);
      running.push(service);
      assert.equal((await call(service.url, 'POST', '/api/v1/models', { name: 'ctr', features: testFeatures })).status, 201);
      for (const w of [1, 2]) {
        assert.equal((await call(service.url, 'POST', '/api/v1/models/ctr/versions', { artifact: logisticRegressionOnnx({ weights: [w / 10, 0.3] }).toString('base64') })).status, 201);
      }
      assert.equal((await call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: 'v1', reason: 'start' })).status, 200);
      await kill9(service);

      for (const [point, expected] of [['action.before_commit', 'v1'], ['action.after_commit', 'v2']] as const) {
        service = await startService({ ...env, MODELWATCH_FAILPOINT: point });
        running.push(service);
        const crashed = await call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: 'v2', reason: point }, { 'idempotency-key': point }).catch(
          (error: Error) => error,
        );
        assert.ok(crashed instanceof Error, `${point}: the service died before answering`);
        await new Promise<void>((resolve) => (service.child.exitCode !== null || service.child.signalCode !== null ? resolve() : service.child.once('exit', () => resolve())));

        service = await startService(env);
        running.push(service);
        const aliases = (await call(service.url, 'GET', '/api/v1/models/ctr/aliases')).body;
        assert.equal(aliases.champion, expected, `${point}: champion after restart`);
        const promotes = (await call(service.url, 'GET', '/api/v1/models/ctr/actions?type=promote')).body.actions as Array<{ reason: string; status: string }>;
        assert.equal(promotes.filter((a) => a.reason === point).length, point === 'action.before_commit' ? 0 : 1, `${point}: the action row commits with the alias`);
        const predict = await call(service.url, 'POST', '/api/v1/models/ctr/predict', { features: { price: 1, age: 2 } });
        assert.equal(predict.body.predictions[0].version, expected);
        // The client retries with the same key: a committed promotion answers its first result; a lost one runs now.
        const retried = await call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: 'v2', reason: point }, { 'idempotency-key': point });
        assert.equal(retried.status, 200, retried.text);
        assert.equal((await call(service.url, 'GET', '/api/v1/models/ctr/aliases')).body.champion, 'v2');
        if (point === 'action.before_commit') {
          assert.equal((await call(service.url, 'POST', '/api/v1/models/ctr/actions/rollback', { reason: 'reset' })).status, 200);
        }
        await kill9(service);
      }
    });

    test('a corrupted artifact is detected at load and reported; the other versions keep serving', async () => {
      const env = await envFor(dialect);
      let service = await startService(env);
      running.push(service);
      for (const model of ['ctr', 'other']) {
        assert.equal((await call(service.url, 'POST', '/api/v1/models', { name: model, features: testFeatures })).status, 201);
        for (const w of [1, 2]) {
          const r = await call(service.url, 'POST', `/api/v1/models/${model}/versions`, { artifact: logisticRegressionOnnx({ weights: [w / 10, model === 'ctr' ? w / 100 : -w / 100] }).toString('base64') });
          assert.equal(r.status, 201, r.text);
        }
        assert.equal((await call(service.url, 'POST', `/api/v1/models/${model}/actions/promote`, { version: 'v1', reason: 'start' })).status, 200);
        assert.equal((await call(service.url, 'POST', `/api/v1/models/${model}/actions/promote`, { version: 'v2', reason: 'next' })).status, 200);
      }
      const v2 = (await call(service.url, 'GET', '/api/v1/models/ctr/versions/v2')).body;
      await kill9(service);

      // Flip bytes of ctr's champion artifact (v2) where it is stored (the data folder on SQLite, rows on PostgreSQL).
      const config = loadConfig(env);
      const store = await openStore(config);
      const storage = createObjectStorage(config.storage, store, config.dataDir);
      const bytes = await buffer(await storage.read(artifactKey(v2.artifact.sha256)));
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
      const flipped = path.join(config.dataDir, 'flipped.onnx');
      fs.writeFileSync(flipped, bytes);
      await storage.putFile(artifactKey(v2.artifact.sha256), flipped);
      await store.close();

      service = await startService(env);
      running.push(service);
      assert.match(service.output(), /model version cannot be loaded; it will not serve/);
      assert.match(service.output(), /is corrupt/);
      const reported = (await call(service.url, 'GET', '/api/v1/models/ctr/versions/v2')).body;
      assert.equal(reported.serving.status, 'failed');
      assert.match(reported.serving.error, /is corrupt/);
      const serving = (await call(service.url, 'GET', '/api/v1/models/ctr/serving')).body;
      assert.deepEqual(serving.sessions.find((s: { version: string }) => s.version === 'v2').status, 'failed');
      assert.match((await call(service.url, 'GET', '/metrics')).text, /modelwatch_serving_sessions\{model="ctr",version="v2",status="failed"\} 1/);

      // The other model serves on; this one says what is wrong and how to fix it.
      const other = await call(service.url, 'POST', '/api/v1/models/other/predict', { features: { price: 1, age: 2 } });
      assert.equal(other.status, 200, other.text);
      const broken = await call(service.url, 'POST', '/api/v1/models/ctr/predict', { features: { price: 1, age: 2 } });
      assert.equal(broken.status, 503);
      assert.match(broken.body.error.message, /champion "v2" of model "ctr" is not loaded: .*corrupt.*roll back/);
      // Rolling back to the healthy version restores serving at once.
      const rollback = await call(service.url, 'POST', '/api/v1/models/ctr/actions/rollback', { reason: 'corrupt artifact' });
      assert.equal(rollback.status, 200, rollback.text);
      assert.equal(rollback.body.action.toVersion, 'v1');
      const healed = await call(service.url, 'POST', '/api/v1/models/ctr/predict', { features: { price: 1, age: 2 } });
      assert.equal(healed.status, 200);
      assert.equal(healed.body.predictions[0].version, 'v1');
      // Promoting the corrupt version is refused with the reason.
      const refused = await call(service.url, 'POST', '/api/v1/models/ctr/actions/promote', { version: 'v2', reason: 'again' });
      assert.equal(refused.status, 422);
      assert.match(refused.body.error.message, /cannot be loaded: .*corrupt/);
      await kill9(service);
    });
  });
}
