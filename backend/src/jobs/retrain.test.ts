import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { retrainFeatures as features, retrainTraffic as traffic } from '../testing/retrain-traffic.ts';
import { createObjectStorage } from '../compose/object-storage.ts';
import { text } from 'node:stream/consumers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const simpleTrainer = path.join(repo, 'trainers/simple/train.py');
const slowTrainer = path.join(here, 'testdata/slow_trainer.py');
const gatedTrainer = path.join(here, 'testdata/gated_trainer.py');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Whether a process runs (a zombie waiting for its reaper counts as gone). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

for (const dialect of testDialects()) {
  describe(`retrain on ${dialect}`, () => {
    let server: TestServer;
    const env: Record<string, string> = {
      MODELWATCH_JOBS_POLL_MS: '50',
      MODELWATCH_JOBS_HEARTBEAT_MS: '100',
      MODELWATCH_JOBS_KILL_GRACE_MS: '2000',
      MODELWATCH_GPUS: 'none',
      MODELWATCH_TRAINER_COMMAND: `python3 ${simpleTrainer}`,
      MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS: 'on',
    };
    before(async () => {
      // Job settings are part of the service's configuration (MODELWATCH_* variables).
      server = await startTestServer(dialect, env);
    });
    after(async () => {
      await server?.close();
    });

    async function createModel(name: string, settings: Record<string, unknown> = {}, withTraffic = true) {
      const created = await server.request('POST', '/api/v1/models', { body: { name, features, settings } });
      assert.equal(created.status, 201, created.text);
      if (!withTraffic) return;
      const { predictions, outcomes } = traffic(600, name.length, Date.now());
      const p = await server.request('POST', `/api/v1/models/${name}/predictions`, { body: { records: predictions } });
      assert.equal(p.body.accepted, 600, p.text);
      const o = await server.request('POST', `/api/v1/models/${name}/outcomes`, { body: { records: outcomes } });
      assert.equal(o.body.accepted, 600, o.text);
    }

    async function waitJob(id: string, until: (job: any) => boolean = (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status), timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await server.request('GET', `/api/v1/jobs/${id}`);
        assert.equal(r.status, 200, r.text);
        if (until(r.body.job)) return r.body.job;
        if (Date.now() > deadline) assert.fail(`job ${id} still ${r.body.job.status}: ${r.body.job.message}`);
        await sleep(50);
      }
    }

    const retrain = (model: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      server.request('POST', `/api/v1/models/${model}/actions/retrain`, { body, headers });

    test('a retrain action on a model with traffic produces a validated challenger (built-in runner)', async () => {
      await createModel('ctr', { retrain: { window: '7d' } });
      const first = await retrain('ctr', { reason: 'CTR dropped', params: { maxIterations: 30 } }, { 'idempotency-key': 'retrain-1' });
      assert.equal(first.status, 202, first.text);
      const { action } = first.body;
      assert.equal(action.type, 'retrain');
      assert.equal(action.status, 'running');
      assert.ok(action.jobId);
      const replay = await retrain('ctr', { reason: 'CTR dropped', params: { maxIterations: 30 } }, { 'idempotency-key': 'retrain-1' });
      assert.equal(replay.body.action.id, action.id);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');

      const job = await waitJob(action.jobId);
      assert.equal(job.status, 'succeeded', job.error);
      assert.equal(job.runner, 'builtin');
      assert.equal(job.producedVersion, 'v1');
      assert.equal(job.progress, 1);
      assert.equal(job.validation.status, 'passed');
      assert.equal(job.validation.champion, null);
      assert.ok(job.validation.candidate.auc > 0.7, `AUC ${job.validation.candidate.auc}`);
      assert.equal(job.validation.rows, 120);
      assert.equal(job.result.dataset.rows, 600);
      assert.equal(job.result.dataset.train.rows, 480);
      // Viewers read job results: paths relative to the data folder, not the server's layout.
      assert.equal(job.result.dataset.dir, path.join('datasets', job.id));
      assert.equal(job.result.dataset.manifest, path.join('datasets', job.id, 'manifest.json'));
      assert.ok(!JSON.stringify(job).includes(server.dataDir), 'no absolute server path in the job');
      assert.equal(job.actionId, action.id);
      assert.equal(job.reason, 'CTR dropped');

      // The dataset is kept in the artifact storage (the data folder on SQLite, rows on PostgreSQL).
      const storage = createObjectStorage(server.ctx.config.storage, server.ctx.store, server.dataDir);
      assert.equal(storage.kind, dialect === 'postgres' ? 'postgres' : 'disk');
      const manifest = JSON.parse(await text(await storage.read(`datasets/${job.id}/manifest.json`)));
      assert.equal(manifest.rows, 600);
      assert.equal(manifest.label, 'click');
      assert.ok(await storage.has(`datasets/${job.id}/train.parquet`));
      assert.equal(fs.existsSync(path.join(server.dataDir, 'datasets', job.id)), dialect === 'sqlite', 'the local scratch copy is removed once stored elsewhere');

      const version = (await server.request('GET', '/api/v1/models/ctr/versions/v1')).body;
      assert.equal(version.validation.status, 'passed');
      assert.equal(version.validation.details.jobId, job.id);
      assert.deepEqual(version.aliases, ['challenger']);
      assert.equal(version.lineage.jobId, job.id);
      assert.equal(version.metrics.trainer, 'builtin');
      assert.equal(version.hasReferenceProfile, true);

      const after = (await server.request('GET', `/api/v1/actions/${action.id}`)).body.action;
      assert.equal(after.status, 'succeeded');
      const replayDone = await retrain('ctr', { reason: 'CTR dropped', params: { maxIterations: 30 } }, { 'idempotency-key': 'retrain-1' });
      assert.equal(replayDone.status, 200);
      assert.equal(replayDone.body.action.status, 'succeeded');
      assert.equal(after.jobId, job.id);
      assert.equal(after.details.producedVersion, 'v1');
      assert.equal(after.details.jobState, 'succeeded');

      const logs = await server.request('GET', `/api/v1/jobs/${job.id}/logs`);
      assert.equal(logs.status, 200);
      assert.equal(logs.body.done, true);
      assert.ok(logs.body.logs.some((l: any) => /^dataset: 600 rows/.test(l.line)));
      assert.ok(logs.body.logs.some((l: any) => /^validation passed/.test(l.line)));
      const later = await server.request('GET', `/api/v1/jobs/${job.id}/logs?after=${logs.body.logs[2].seq}&limit=2`);
      assert.deepEqual(later.body.logs.map((l: any) => l.seq), logs.body.logs.slice(3, 5).map((l: any) => l.seq));

      const listed = await server.request('GET', '/api/v1/jobs?model=ctr&state=succeeded');
      assert.ok(listed.body.jobs.some((j: any) => j.id === job.id));
      const metrics = await server.request('GET', '/metrics');
      assert.match(metrics.text, /modelwatch_jobs\{state="succeeded"\} [1-9]/);

      // Against a champion: the same training again passes; a crippled one fails, is
      // registered with validation failed, and never serves.
      const promoted = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { reason: 'tested' } });
      assert.equal(promoted.status, 200, promoted.text);
      const same = await waitJob((await retrain('ctr', { reason: 'again', params: { maxIterations: 30 } })).body.action.jobId);
      assert.equal(same.status, 'succeeded', same.error);
      assert.equal(same.validation.champion.version, 'v1');
      assert.ok(same.validation.delong && typeof same.validation.delong.pValue === 'number');

      const weak = await retrain('ctr', { reason: 'weak', params: { maxIterations: 1, learningRate: 0.01 } });
      const failed = await waitJob(weak.body.action.jobId);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.producedVersion, 'v3');
      assert.match(failed.error, /candidate v3 failed the validation gate .*log loss .* worse than the champion's.*registered but never serves/);
      const v3 = (await server.request('GET', '/api/v1/models/ctr/versions/v3')).body;
      assert.equal(v3.validation.status, 'failed');
      assert.deepEqual(v3.aliases, []);
      const aliases = (await server.request('GET', '/api/v1/models/ctr/aliases')).body;
      assert.equal(aliases.challenger, 'v2');
      const refused = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v3', reason: 'try' } });
      assert.equal(refused.status, 422);
      const failedAction = (await server.request('GET', `/api/v1/actions/${weak.body.action.id}`)).body.action;
      assert.equal(failedAction.status, 'failed');
      assert.equal(failedAction.details.validation, 'failed');
    });

    test('onSuccess "canary": a passed challenger starts a canary experiment against the champion', async () => {
      await createModel('canary', { retrain: { window: '7d', onSuccess: 'canary', canary: { weight: 20 } } });
      const first = await waitJob((await retrain('canary', { reason: 'first', params: { maxIterations: 30 } })).body.action.jobId);
      assert.equal(first.status, 'succeeded', first.error);
      assert.deepEqual(first.result.canary, { started: false, reason: 'no champion' });
      const promoted = await server.request('POST', '/api/v1/models/canary/actions/promote', { body: { reason: 'baseline' } });
      assert.equal(promoted.status, 200, promoted.text);
      const second = await waitJob((await retrain('canary', { reason: 'again', params: { maxIterations: 30 } })).body.action.jobId);
      assert.equal(second.status, 'succeeded', second.error);
      assert.equal(second.result.canary.started, true, JSON.stringify(second.result.canary));
      assert.equal(second.result.canary.weight, 20);
      const experiment = (await server.request('GET', `/api/v1/experiments/${second.result.canary.experimentId}`)).body.experiment;
      assert.equal(experiment.model, 'canary');
      assert.deepEqual(
        experiment.arms.map((a: any) => [a.name, a.version, a.weight]),
        [
          ['control', 'v1', 0.8],
          ['challenger', 'v2', 0.2],
        ],
      );
    });

    test('onSuccess "canary": a champion replaced while the retrain trains is the one it is validated and canaried against', async () => {
      await createModel('moved', { retrain: { window: '7d', onSuccess: 'canary', runner: 'command', command: ['python3', gatedTrainer] } });
      const first = await waitJob((await retrain('moved', { reason: 'first', params: { epochs: 50, waitFor: '/' } })).body.action.jobId);
      assert.equal(first.status, 'succeeded', first.error);
      assert.equal((await server.request('POST', '/api/v1/models/moved/actions/promote', { body: { reason: 'baseline' } })).status, 200);
      const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-gate-')), 'go');
      const running = (await retrain('moved', { reason: 'drift of v1', params: { epochs: 50, waitFor: gate } })).body.action.jobId;
      // While it trains, another version becomes champion (as another retrain's canary would promote it).
      const other = await server.request('POST', '/api/v1/models/moved/versions', { body: { artifact: logisticRegressionOnnx({ weights: [0.1, 0.1, 0.1] }).toString('base64') } });
      assert.equal(other.status, 201, other.text);
      assert.equal((await server.request('POST', '/api/v1/models/moved/actions/promote', { body: { version: other.body.version, reason: 'replaced meanwhile' } })).status, 200);
      fs.writeFileSync(gate, '');
      const job = await waitJob(running);
      assert.equal(job.status, 'succeeded', job.error);
      const version = (await server.request('GET', `/api/v1/models/moved/versions/${job.producedVersion}`)).body;
      assert.equal(version.lineage.parentVersion, other.body.version, 'the gate compared with the champion after training');
      assert.equal(job.result.canary.started, true, JSON.stringify(job.result.canary));
      const experiment = (await server.request('GET', `/api/v1/experiments/${job.result.canary.experimentId}`)).body.experiment;
      assert.deepEqual(experiment.arms.map((a: { name: string; version: string }) => [a.name, a.version]), [['control', other.body.version], ['challenger', job.producedVersion]], 'never the replaced v1');
    });

    test('the command runner runs trainers/simple/train.py end to end', async () => {
      await createModel('cmd');
      const started = await retrain('cmd', { reason: 'python', runner: 'command', params: { epochs: 100 } });
      assert.equal(started.status, 202, started.text);
      const job = await waitJob(started.body.action.jobId);
      assert.equal(job.status, 'succeeded', job.error);
      assert.equal(job.runner, 'command');
      assert.ok(Object.keys(job.metrics).length > 0, 'progress metrics from the JSON lines');
      const version = (await server.request('GET', `/api/v1/models/cmd/versions/${job.producedVersion}`)).body;
      assert.equal(version.metrics.trainer, 'command');
      assert.equal(typeof version.metrics.auc, 'number');
      assert.deepEqual(version.inputSchema.features.map((f: any) => f.name), ['x1', 'x2', 'x3']);
      assert.equal(version.hasReferenceProfile, true);
      assert.equal(version.validation.status, 'passed');
      const logs = (await server.request('GET', `/api/v1/jobs/${job.id}/logs`)).body.logs.map((l: any) => l.line);
      assert.ok(logs.some((l: string) => l.startsWith('command runner: python3 ')));
      assert.ok(logs.includes('trainer exited with code 0'));
    });

    test('cancel of a running command job kills the trainer and its children; logs stream live', async () => {
      await createModel('slow', { retrain: { runner: 'command', command: ['python3', slowTrainer] } });
      const started = await retrain('slow', { reason: 'cancel me' });
      assert.equal(started.status, 202, started.text);
      const jobId = started.body.action.jobId;
      await waitJob(jobId, (j) => j.status === 'running' && /^epoch/.test(j.message ?? ''));
      const pidsFile = path.join(server.dataDir, 'jobs', jobId, 'output', 'pids');
      const [pid, childPid] = fs.readFileSync(pidsFile, 'utf8').trim().split(' ').map(Number) as [number, number];
      assert.ok(alive(pid) && alive(childPid));

      // Live logs: server-sent events until the job ends.
      const controller = new AbortController();
      const stream = await fetch(new URL(`/api/v1/jobs/${jobId}/logs`, server.url), {
        headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!/plain log line \d+/.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
      assert.match(text, /event: log\ndata: \{"seq":\d+/);

      const cancelled = await server.request('POST', `/api/v1/jobs/${jobId}/cancel`, { body: { reason: 'test' } });
      assert.equal(cancelled.status, 200, cancelled.text);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      const end = /event: end\ndata: (.*)\n/.exec(text);
      assert.ok(end, 'the stream ends with an end event');
      assert.equal(JSON.parse(end[1]!).status, 'cancelled');
      assert.match(text, /cuda ''/);

      const job = (await server.request('GET', `/api/v1/jobs/${jobId}`)).body.job;
      assert.equal(job.status, 'cancelled');
      assert.match(job.message, /cancelled by token:/);
      for (let i = 0; i < 50 && (alive(pid) || alive(childPid)); i++) await sleep(50);
      assert.ok(!alive(pid), 'trainer killed');
      assert.ok(!alive(childPid), "trainer's child killed");
      // The action follows once the job's run has returned (after it removed its scratch folder).
      let action: any;
      for (let i = 0; i < 100; i++) {
        action = (await server.request('GET', `/api/v1/actions/${started.body.action.id}`)).body.action;
        if (action.status !== 'running') break;
        await sleep(50);
      }
      assert.equal(action.status, 'failed');
      assert.equal(action.details.jobState, 'cancelled');
      const again = await server.request('POST', `/api/v1/jobs/${jobId}/cancel`, {});
      assert.equal(again.status, 409);
    });

    test('GPUs on a machine without any: refused at once with a clear message', async () => {
      await createModel('gpu', {}, false);
      const r = await retrain('gpu', { reason: 'use the GPU', runner: 'command', gpus: 1 });
      assert.equal(r.status, 422, r.text);
      assert.match(r.body.error.message, /gpus: 1 GPU requested, but this machine has no GPUs/);
      const actions = (await server.request('GET', '/api/v1/models/gpu/actions?type=retrain')).body.actions;
      assert.equal(actions[0].status, 'failed');
      const builtin = await retrain('gpu', { reason: 'x', gpus: 1 });
      assert.equal(builtin.status, 400);
      assert.match(builtin.body.error.message, /built-in trainer runs on CPU/);
    });

    test('no labelled traffic: the job fails saying so', async () => {
      await createModel('quiet', {}, false);
      const r = await retrain('quiet', { reason: 'nothing to learn' });
      const job = await waitJob(r.body.action.jobId);
      assert.equal(job.status, 'failed');
      assert.match(job.error, /holds 0 click-labelled training rows with 0 positives: training needs both classes/);
      assert.equal(job.attempts, 1);
    });

    test('bad requests are 4xx: placeholders, empty bodies, unknown params, commands in bodies', async () => {
      const cases: Array<[string, string, unknown, number]> = [
        ['GET', '/api/v1/jobs/placeholder', undefined, 404],
        ['GET', '/api/v1/jobs/placeholder/logs', undefined, 404],
        ['POST', '/api/v1/jobs/placeholder/cancel', {}, 404],
        ['GET', '/api/v1/jobs?state=bogus', undefined, 400],
        ['POST', '/api/v1/models/placeholder/actions/retrain', {}, 400],
        ['POST', '/api/v1/models/placeholder/actions/retrain', { reason: 'x' }, 404],
        ['POST', '/api/v1/models/ctr/actions/retrain', { reason: 'x', command: 'rm -rf /' }, 400],
        ['POST', '/api/v1/models/ctr/actions/retrain', { reason: 'x', runner: 'shell' }, 400],
        ['POST', '/api/v1/models/ctr/actions/retrain', { reason: 'x', params: { algorithm: 'svm' } }, 400],
        ['POST', '/api/v1/models/ctr/actions/retrain', { reason: 'x', params: { maxIterations: -1 } }, 400],
      ];
      for (const [method, url, body, status] of cases) {
        const r = await server.request(method, url, body === undefined ? {} : { body });
        assert.equal(r.status, status, `${method} ${url} ${JSON.stringify(body)} → ${r.status} ${r.text}`);
      }
      const sse = await fetch(new URL('/api/v1/jobs/placeholder/logs', server.url), {
        headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/event-stream' },
      });
      assert.equal(sse.status, 404);
    });
  });
}
