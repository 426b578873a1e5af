import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  test('defaults: port 8080 on loopback, SQLite in ./data', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.databaseUrl, undefined);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      MODELWATCH_PORT: '9090',
      MODELWATCH_DATA_DIR: '/tmp/mw',
      MODELWATCH_DATABASE_URL: 'postgres://u@h/db',
      MODELWATCH_ADMIN_TOKEN: 'a'.repeat(20),
      MODELWATCH_LOG_LEVEL: 'debug',
    });
    assert.equal(config.port, 9090);
    assert.equal(config.dataDir, '/tmp/mw');
    assert.equal(config.databaseUrl, 'postgres://u@h/db');
    assert.equal(config.logLevel, 'debug');
  });

  test("an editor's share of non-champion traffic: 50 % unless configured, a percentage", () => {
    assert.equal(loadConfig({}).editorMaxTreatmentPercent, 50);
    assert.equal(loadConfig({ MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT: '20' }).editorMaxTreatmentPercent, 20);
    assert.throws(() => loadConfig({ MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT: '120' }), /MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT="120": must be between 0 and 100/);
  });

  test('each bad value is named with what was expected', () => {
    assert.throws(
      () =>
        loadConfig({
          MODELWATCH_PORT: 'eighty',
          MODELWATCH_DATABASE_URL: 'mysql://x',
          MODELWATCH_ADMIN_TOKEN: 'short',
          MODELWATCH_LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        assert.match(text, /MODELWATCH_PORT="eighty": must be a port number/);
        assert.match(text, /MODELWATCH_DATABASE_URL="mysql:\/\/x": must start with postgres:\/\//);
        assert.match(text, /MODELWATCH_ADMIN_TOKEN="short": must be at least 16 characters/);
        assert.match(text, /MODELWATCH_LOG_LEVEL="loud"/);
        assert.equal(error.problems.length, 4);
        return true;
      },
    );
  });

  test('port out of range', () => {
    assert.throws(() => loadConfig({ MODELWATCH_PORT: '70000' }), /between 0 and 65535/);
  });
});

describe('loadConfig: the areas\' sections', () => {
  test('defaults of the jobs and serving sections', () => {
    const { jobs, serving } = loadConfig({});
    assert.deepEqual(jobs, {
      workers: 2,
      pollMs: 1000,
      heartbeatMs: 5000,
      staleMs: 60_000,
      timeoutMs: 2 * 3_600_000,
      retries: 1,
      backoffMs: 30_000,
      killGraceMs: 5000,
      trainerCommand: undefined,
      allowModelCommands: false,
      gpus: undefined,
      slotsPerGpu: 1,
    });
    assert.deepEqual(serving, {
      providers: ['cpu'],
      intraOpThreads: 1,
      microBatch: { enabled: true, maxRows: 256, maxWaitMs: 0 },
      maxInstances: 10_000,
      threadPort: undefined,
      controlPlaneNice: 10,
      predictionLog: { flushMs: 5, maxBatch: 1000, maxQueued: 100_000 },
      routerSyncMs: 2000,
      deploymentHook: { attempts: 5, backoffMs: 500, timeoutMs: 5000 },
    });
  });

  test('reads the jobs and serving variables', () => {
    const { jobs, serving } = loadConfig({
      MODELWATCH_JOBS_WORKERS: '0',
      MODELWATCH_JOBS_TIMEOUT: '90s',
      MODELWATCH_TRAINER_COMMAND: 'python3 train.py',
      MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS: 'on',
      MODELWATCH_GPUS: '0,1',
      MODELWATCH_ONNX_PROVIDERS: 'CUDA, cpu',
      MODELWATCH_SERVING_MICROBATCH: 'off',
      MODELWATCH_ROUTER_SYNC_MS: '50',
      MODELWATCH_DEPLOY_HOOK_ATTEMPTS: '3',
      MODELWATCH_SERVING_PORT: '8081',
    });
    assert.equal(jobs.workers, 0);
    assert.equal(jobs.timeoutMs, 90_000);
    assert.equal(jobs.trainerCommand, 'python3 train.py');
    assert.equal(jobs.allowModelCommands, true);
    assert.equal(jobs.gpus, '0,1');
    assert.deepEqual(serving.providers, ['cuda', 'cpu']);
    assert.equal(serving.microBatch.enabled, false);
    assert.equal(serving.routerSyncMs, 50);
    assert.equal(serving.deploymentHook.attempts, 3);
    assert.equal(serving.threadPort, 8081);
  });

  test('bad jobs and serving values are named with the server ones, in one error', () => {
    assert.throws(
      () => loadConfig({ MODELWATCH_PORT: 'eighty', MODELWATCH_JOBS_WORKERS: 'many', MODELWATCH_JOBS_TIMEOUT: 'soon', MODELWATCH_ONNX_THREADS: '1.5', MODELWATCH_SERVING_MICROBATCH: 'maybe', MODELWATCH_SERVING_PORT: '70000' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const text = error.message;
        assert.match(text, /MODELWATCH_PORT="eighty": must be a port number/);
        assert.match(text, /MODELWATCH_JOBS_WORKERS="many": must be a number/);
        assert.match(text, /MODELWATCH_JOBS_TIMEOUT="soon": expected a duration like 90s, 5m, 2h or milliseconds/);
        assert.match(text, /MODELWATCH_ONNX_THREADS="1.5": must be a whole number/);
        assert.match(text, /MODELWATCH_SERVING_MICROBATCH="maybe"/);
        assert.match(text, /MODELWATCH_SERVING_PORT="70000": must be between 0 and 65535/);
        assert.equal(error.problems.length, 6);
        return true;
      },
    );
  });

  test('the ingest bounds: defaults, values, and an out-of-range count named with its range', () => {
    const { retention: _retention, ...bounds } = loadConfig({}).monitor;
    assert.deepEqual(bounds, { outcomeParkingWindowMs: 86_400_000, maxUnregisteredKeys: 100, ingestMaxAgeMs: 30 * 86_400_000 });
    const set = loadConfig({ MODELWATCH_MAX_UNREGISTERED_KEYS: '0', MODELWATCH_INGEST_MAX_AGE: '7d' }).monitor;
    assert.deepEqual([set.maxUnregisteredKeys, set.ingestMaxAgeMs], [0, 7 * 86_400_000]);
    assert.throws(() => loadConfig({ MODELWATCH_MAX_UNREGISTERED_KEYS: '1000000' }), /MODELWATCH_MAX_UNREGISTERED_KEYS="1000000": must be between 0 and 100000/);
  });
});
