import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { AuditLog } from '../audit/audit.ts';
import { createLogger } from '../core/logger.ts';
import { migrateToLatest, openStore, type SqlDialect, type Store } from '../store/database.ts';
import { Leases, newHolderId } from '../store/leases.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { loadConfig, type JobsConfig } from '../core/config.ts';
import type { JobContext, JobHandler } from './job-handler.ts';
import type { ActionUpdater } from './job-outcomes.ts';
import { JobService } from './job-service.ts';
import { JobFailure } from './job-types.ts';
import type { ActionRecorder } from './retrain-action.ts';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const testConfig = (overrides: Partial<JobsConfig> = {}): JobsConfig => ({
  ...loadConfig({}).jobs,
  pollMs: 20,
  heartbeatMs: 30,
  staleMs: 2000,
  backoffMs: 30,
  workers: 2,
  gpus: 'none',
  ...overrides,
});

/** These jobs have no actions (the retrain action is tested in retrain.test.ts). */
const noActions: ActionRecorder & ActionUpdater = {
  run: () => Promise.reject(new Error('no actions in these tests')),
  get: () => Promise.reject(new Error('no actions in these tests')),
  updateDetails: async () => undefined,
};

async function openUrl(dialect: SqlDialect, dataDir: string, url?: string): Promise<Store> {
  const store = await openStore({ dataDir, databaseUrl: dialect === 'postgres' ? url : undefined });
  await migrateToLatest(store);
  return store;
}

for (const dialect of testDialects()) {
  describe(`job queue on ${dialect}`, () => {
    const cleanup: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    /** A store (shared when `shared` is given) and a JobService with these handlers on it. */
    async function setup(handlers: Record<string, JobHandler>, config: Partial<JobsConfig> = {}, shared?: { dataDir: string; url?: string }) {
      const dataDir = shared?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mw-jobs-'));
      const url = shared?.url ?? (dialect === 'postgres' ? await freshPostgresDatabase() : undefined);
      const store = await openUrl(dialect, dataDir, url);
      const metrics = new Registry();
      const jobs = new JobService({
        store,
        audit: new AuditLog(store),
        logger,
        config: testConfig(config),
        handlers: new Map(Object.entries(handlers)),
        actions: noActions,
        leases: new Leases(store, { holder: newHolderId(), ttlMs: 10_000, logger }),
        prometheus: metrics,
        gpus: config.gpus === undefined ? { gpus: [], source: 'test' } : undefined,
      });
      cleanup.push(async () => {
        await jobs.stop();
        await store.close();
        if (!shared) fs.rmSync(dataDir, { recursive: true, force: true });
      });
      return { jobs, store, dataDir, url, metrics };
    }

    test('a job runs once: progress, metrics, logs, result; gauge by state', async () => {
      const { jobs, metrics } = await setup({
        echo: {
          async run(ctx) {
            ctx.progress({ progress: 0.5, message: 'half way', metrics: { loss: 0.3, bad: Number.NaN, text: 'x' } });
            ctx.log('hello from the handler', 'stdout');
            await ctx.setResult({ answer: 42 });
            return { producedVersion: 'v9', message: 'done here' };
          },
        },
      });
      await jobs.start();
      const queued = await jobs.enqueue({ type: 'echo', model: 'm', actor: 'tester', reason: 'test', params: { a: 1 } });
      assert.equal(queued.status, 'queued');
      const job = await jobs.waitFor(queued.id, 10_000);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.progress, 1);
      assert.equal(job.message, 'done here');
      assert.deepEqual(job.metrics, { loss: 0.3 });
      assert.equal(job.producedVersion, 'v9');
      assert.deepEqual(job.result, { answer: 42 });
      assert.deepEqual(job.params, { a: 1 });
      assert.equal(job.attempts, 1);
      assert.ok(job.startedAt && job.finishedAt);
      const { logs } = await jobs.readLogs(job.id);
      assert.ok(logs.some((l) => l.stream === 'stdout' && l.line === 'hello from the handler'));
      assert.ok(logs.some((l) => /^succeeded: version v9/.test(l.line)));
      const text = await metrics.metrics();
      assert.match(text, /modelwatch_jobs\{state="succeeded"\} 1/);
      assert.match(text, /modelwatch_jobs\{state="queued"\} 0/);
      assert.deepEqual((await jobs.list({ model: 'm', state: 'succeeded' })).map((j) => j.id), [job.id]);
      assert.deepEqual(await jobs.list({ state: 'failed' }), []);
    });

    test('retryable failures are retried with backoff; others fail at once', async () => {
      const attempts = new Map<string, number>();
      const { jobs } = await setup(
        {
          flaky: {
            async run(ctx) {
              const n = (attempts.get(ctx.job.id) ?? 0) + 1;
              attempts.set(ctx.job.id, n);
              if (n < 3) throw new Error(`transient ${n}`);
            },
          },
          broken: {
            async run() {
              throw new JobFailure('bad input', false);
            },
          },
        },
        { retries: 2 },
      );
      await jobs.start();
      const flaky = await jobs.enqueue({ type: 'flaky', actor: 'tester' });
      const broken = await jobs.enqueue({ type: 'broken', actor: 'tester' });
      const done = await jobs.waitFor(flaky.id, 10_000);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.attempts, 3);
      assert.equal(done.error, null);
      const { logs } = await jobs.readLogs(flaky.id);
      assert.ok(logs.some((l) => /attempt 1 failed: transient 1; retrying in/.test(l.line)));
      const failed = await jobs.waitFor(broken.id, 10_000);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attempts, 1);
      assert.equal(failed.error, 'bad input');
    });

    test('timeout fails the job and aborts the handler', async () => {
      let aborted = false;
      const { jobs } = await setup({
        slow: {
          async run(ctx) {
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            aborted = true;
            throw ctx.signal.reason;
          },
        },
      });
      await jobs.start();
      const job = await jobs.enqueue({ type: 'slow', actor: 'tester', timeoutMs: 100 });
      const done = await jobs.waitFor(job.id, 10_000);
      assert.equal(done.status, 'failed');
      assert.match(done.error!, /timed out after 0 s/);
      assert.ok(aborted);
    });

    test('cancel: a queued job at once, a running one by aborting it', async () => {
      const running = Promise.withResolvers<JobContext>();
      const { jobs } = await setup(
        {
          wait: {
            async run(ctx) {
              running.resolve(ctx);
              await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
              throw ctx.signal.reason;
            },
          },
        },
        { workers: 1 },
      );
      await jobs.start();
      const first = await jobs.enqueue({ type: 'wait', actor: 'tester' });
      const second = await jobs.enqueue({ type: 'wait', actor: 'tester' });
      await running.promise;
      const cancelledQueued = await jobs.cancel(second.id, 'token:ops', 'not needed');
      assert.equal(cancelledQueued.status, 'cancelled');
      assert.equal(cancelledQueued.message, 'cancelled by token:ops: not needed');
      await jobs.cancel(first.id, 'token:ops');
      const done = await jobs.waitFor(first.id, 10_000);
      assert.equal(done.status, 'cancelled');
      await assert.rejects(jobs.cancel(first.id, 'token:ops'), /already ended/);
      await assert.rejects(jobs.cancel('nope', 'token:ops'), /not found/);
    });

    test('a cancel recorded by another replica reaches the worker at its next heartbeat', async () => {
      const started = Promise.withResolvers<void>();
      const { jobs, store } = await setup(
        {
          wait: {
            async run(ctx) {
              started.resolve();
              await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
              throw ctx.signal.reason;
            },
          },
        },
        { workers: 1 },
      );
      await jobs.start();
      const job = await jobs.enqueue({ type: 'wait', actor: 'tester' });
      await started.promise;
      await store.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', job.id).execute();
      assert.equal((await jobs.waitFor(job.id, 10_000)).status, 'cancelled');
    });

    test('crash recovery: a job left running with a stale heartbeat is marked failed with the reason', async () => {
      const { jobs, store } = await setup({ echo: { async run() {} } }, { staleMs: 500 });
      // As if a process had claimed it and died: running, heartbeat a minute old.
      const job = await jobs.enqueue({ type: 'echo', actor: 'tester' }, { wake: false });
      const old = Date.now() - 60_000;
      await store.db
        .updateTable('jobs')
        .set({ state: 'running', worker: 'dead-host:123:abcd', heartbeat_at: old, started_at: old, attempts: 1 })
        .where('id', '=', job.id)
        .execute();
      // A fresh running job (live heartbeat) of another worker is left alone.
      const live = await jobs.enqueue({ type: 'echo', actor: 'tester' }, { wake: false });
      await store.db.updateTable('jobs').set({ state: 'running', worker: 'live:1:x', heartbeat_at: Date.now() + 60_000 }).where('id', '=', live.id).execute();
      await jobs.start();
      const failed = await jobs.get(job.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error!, /worker dead-host:123:abcd stopped heartbeating .*crashed or was killed/);
      assert.ok(failed.finishedAt);
      assert.equal((await jobs.get(live.id)).status, 'running');
      const { logs } = await jobs.readLogs(job.id);
      assert.ok(logs.some((l) => /^recovered by /.test(l.line)));
    });

    test('crash recovery at once: a running job of a worker on this host whose process is gone (kill -9, restart)', async () => {
      const { jobs, store } = await setup({ echo: { async run() {} } }, { staleMs: 3_600_000 });
      const deadPid = spawnSync('true').pid;
      const now = Date.now();
      const orphan = await jobs.enqueue({ type: 'echo', actor: 'tester' }, { wake: false });
      await store.db.updateTable('jobs').set({ state: 'running', worker: `${os.hostname()}:${deadPid}:abcd`, heartbeat_at: now, started_at: now, attempts: 1 }).where('id', '=', orphan.id).execute();
      // A live process on this host (the test runner), fresh heartbeat: left alone.
      const alive = await jobs.enqueue({ type: 'echo', actor: 'tester' }, { wake: false });
      await store.db.updateTable('jobs').set({ state: 'running', worker: `${os.hostname()}:${process.ppid}:efgh`, heartbeat_at: now, started_at: now, attempts: 1 }).where('id', '=', alive.id).execute();
      await jobs.start();
      const failed = await jobs.get(orphan.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error!, new RegExp(`is gone \\(pid ${deadPid} no longer runs on this host`));
      assert.equal((await jobs.get(alive.id)).status, 'running');
    });

    test('a stopped service puts its running jobs back in the queue', async () => {
      const shared = { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'mw-jobs-')), ...(dialect === 'postgres' ? { url: await freshPostgresDatabase() } : {}) };
      cleanup.push(() => fs.rmSync(shared.dataDir, { recursive: true, force: true }));
      const started = Promise.withResolvers<void>();
      const handler: JobHandler = {
        async run(ctx) {
          if (ctx.job.attempts === 1) {
            started.resolve();
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            throw ctx.signal.reason;
          }
        },
      };
      const a = await setup({ resumable: handler }, { workers: 1 }, shared);
      await a.jobs.start();
      const job = await a.jobs.enqueue({ type: 'resumable', actor: 'tester' });
      await started.promise;
      await a.jobs.stop();
      const requeued = await a.jobs.get(job.id);
      assert.equal(requeued.status, 'queued');
      assert.equal(requeued.attempts, 0);
      const b = await setup({ resumable: { async run() {} } }, { workers: 1 }, shared);
      await b.jobs.start();
      assert.equal((await b.jobs.waitFor(job.id, 10_000)).status, 'succeeded');
    });

    test('GPU requests: refused at once on a machine with none; slots never shared', async () => {
      const none = await setup({ gpu: { async run() {} } }, { gpus: 'none' });
      await none.jobs.start();
      await assert.rejects(none.jobs.enqueue({ type: 'gpu', actor: 'tester', gpus: 1 }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'failed_precondition');
        assert.match(error.message, /gpus: 1 GPU requested, but this machine has no GPUs \(MODELWATCH_GPUS=none\)/);
        return true;
      });

      let active = 0;
      let peak = 0;
      const seen: number[][] = [];
      const inUse = new Set<number>();
      const two = await setup(
        {
          gpu: {
            async run(ctx) {
              active++;
              peak = Math.max(peak, active);
              for (const g of ctx.gpuIndices) {
                assert.ok(!inUse.has(g), `GPU ${g} shared`);
                inUse.add(g);
              }
              seen.push(ctx.gpuIndices);
              await sleep(60);
              for (const g of ctx.gpuIndices) inUse.delete(g);
              active--;
            },
          },
        },
        { gpus: '0,1', workers: 4 },
      );
      await two.jobs.start();
      await assert.rejects(two.jobs.enqueue({ type: 'gpu', actor: 'tester', gpus: 3 }), /only 2/);
      const ids = await Promise.all([0, 1, 2, 3].map(() => two.jobs.enqueue({ type: 'gpu', actor: 'tester', gpus: 1 })));
      for (const { id } of ids) assert.equal((await two.jobs.waitFor(id, 10_000)).status, 'succeeded');
      assert.equal(peak, 2);
      assert.equal(seen.length, 4);
      assert.ok(seen.every((g) => g.length === 1));
    });

    test('two services on one database never run one job twice', async () => {
      const shared = { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'mw-jobs-')), ...(dialect === 'postgres' ? { url: await freshPostgresDatabase() } : {}) };
      cleanup.push(() => fs.rmSync(shared.dataDir, { recursive: true, force: true }));
      const runs = new Map<string, string[]>();
      const handler = (who: string): JobHandler => ({
        async run(ctx) {
          runs.set(ctx.job.id, [...(runs.get(ctx.job.id) ?? []), who]);
          await sleep(5 + Math.random() * 10);
        },
      });
      const a = await setup({ work: handler('a') }, { workers: 3, pollMs: 10 }, shared);
      const b = await setup({ work: handler('b') }, { workers: 3, pollMs: 10 }, shared);
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await (i % 2 ? a : b).jobs.enqueue({ type: 'work', actor: 'tester' }, { wake: false })).id);
      await Promise.all([a.jobs.start(), b.jobs.start()]);
      for (const id of ids) assert.equal((await a.jobs.waitFor(id, 20_000)).status, 'succeeded');
      assert.equal(runs.size, 40);
      for (const [id, who] of runs) assert.equal(who.length, 1, `job ${id} ran ${who.length} times (${who.join(', ')})`);
      const byA = [...runs.values()].filter((w) => w[0] === 'a').length;
      if (dialect === 'postgres') assert.ok(byA > 0 && byA < 40, `both replicas worked (a ran ${byA})`);
    });

    test('unknown job types are refused', async () => {
      const { jobs } = await setup({});
      await assert.rejects(jobs.enqueue({ type: 'nope', actor: 'tester' }), /unknown job type "nope"/);
    });
  });
}
