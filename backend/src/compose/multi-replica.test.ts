/**
 * Issue 20 item 5: three real `modelwatch serve` processes on one private PostgreSQL behind a
 * real HAProxy (Debian's, started here), traffic through the balancer:
 * - a promote on one replica: every replica serves the new version at once, by LISTEN/NOTIFY alone
 *   (the alias poll is set to 60 s; the figures it prints are the 100 ms target's);
 * - ingest through the balancer: the totals are exact;
 * - 20 retrain jobs: each runs exactly once, on whichever replica claimed it;
 * - a canary ramp: every replica sends the same units to the canary, and a rollback on a replica
 *   that does not hold the ramp stops it on all;
 * - kill -9 of the replica holding a canary ramp's lease mid-ramp: another resumes and finishes it.
 * The figures it prints are in docs/operations.md#several-replicas.
 *
 * Each replica has a data folder of its own: artifacts and job outputs are in the store
 * (docs/operations.md "Artifact storage"), as on separate machines.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { testFeatures } from '../testing/serving-helpers.ts';
import { startServiceProcess, type ServiceProcess } from '../testing/service-process.ts';
import { requestJson, TEST_ADMIN_TOKEN } from '../testing/test-server.ts';

const countTrainer = path.join(path.dirname(fileURLToPath(import.meta.url)), '../jobs/testdata/count_trainer.py');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE_MS = 1000;
const instance = { price: 1, age: 2, category: 'a' };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

describe('three replicas behind HAProxy on one PostgreSQL', { skip: !testDialects().includes('postgres') && 'needs the test PostgreSQL (scripts/with-postgres.ts)' }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-multi-replica-'));
  const replicas: ServiceProcess[] = [];
  let haproxy: ChildProcess | undefined;
  let balancer = '';
  const lb = (method: string, url: string, body?: unknown) => requestJson(balancer, method, url, body === undefined ? {} : { body }, TEST_ADMIN_TOKEN);
  const call = async (target: ServiceProcess | undefined, method: string, url: string, body?: unknown, status = 200) => {
    const reply = target ? await target.request(method, url, body === undefined ? {} : { body }) : await lb(method, url, body);
    assert.equal(reply.status, status, `${method} ${url}: ${reply.text}`);
    return reply.body;
  };
  const register = async (model: string, w: number) =>
    (await call(undefined, 'POST', `/api/v1/models/${model}/versions`, { artifact: logisticRegressionOnnx({ weights: [w / 100, 0.2] }).toString('base64') }, 201)).version as string;
  /** The version a replica serves now ('' while it has none to serve). */
  const served = async (replica: ServiceProcess, model: string): Promise<string> => {
    const reply = await replica.request('POST', `/api/v1/models/${model}/predict`, { body: { features: instance } });
    return reply.status === 200 ? reply.body.predictions[0].version : '';
  };

  before(async () => {
    const env = {
      MODELWATCH_DATABASE_URL: await freshPostgresDatabase(),
      MODELWATCH_LEASE_MS: String(LEASE_MS),
      // Only the push moves routing between replicas in these tests (the poll would within 60 s).
      MODELWATCH_ROUTER_SYNC_MS: '60000',
      MODELWATCH_JOBS_POLL_MS: '50',
      MODELWATCH_JOBS_HEARTBEAT_MS: '200',
      MODELWATCH_GPUS: 'none',
      MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS: 'on',
    };
    // One at a time: the first migrates the database.
    for (let i = 0; i < 3; i++) replicas.push(await startServiceProcess({ ...env, MODELWATCH_DATA_DIR: fs.mkdtempSync(path.join(dataDir, `replica-${i}-`)) }));
    const port = await freePort();
    const config = path.join(dataDir, 'haproxy.cfg');
    fs.writeFileSync(
      config,
      [
        'global',
        '  maxconn 512',
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 30s',
        '  timeout server 30s',
        '  retries 3',
        '  option redispatch',
        '  retry-on conn-failure empty-response response-timeout',
        'frontend modelwatch',
        `  bind 127.0.0.1:${port}`,
        '  default_backend replicas',
        'backend replicas',
        '  balance roundrobin',
        '  option httpchk GET /healthz',
        ...replicas.map((r, i) => `  server r${i} ${new URL(r.url).host} check inter 200 fall 1 rise 2`),
        '',
      ].join('\n'),
    );
    haproxy = spawn(fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy', ['-db', '-q', '-f', config], { stdio: ['ignore', 'inherit', 'inherit'] });
    balancer = `http://127.0.0.1:${port}`;
    await until('HAProxy listens', async () => ((await lb('GET', '/healthz').catch(() => undefined))?.status === 200 ? true : undefined), 10_000, 50);
    await call(undefined, 'POST', '/api/v1/models', { name: 'ctr', features: testFeatures }, 201);
  });

  after(async () => {
    haproxy?.kill('SIGKILL');
    for (const replica of replicas) await replica.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a promote on one replica: every replica serves the new version at once, by the push', { timeout: 60_000 }, async (t) => {
    const first = await register('ctr', 1);
    await call(replicas[0], 'POST', '/api/v1/models/ctr/actions/promote', { version: first, reason: 'first champion' });
    await until('every replica serves the first champion', async () => ((await Promise.all(replicas.map((r) => served(r, 'ctr')))).every((v) => v === first) ? true : undefined));
    const delays: number[] = [];
    for (let round = 0; round < 6; round++) {
      const version = await register('ctr', 10 + round);
      // The challenger first, which every replica loads (as it would before a real promote): what is
      // timed below is the routing change, not loading an ONNX file never seen before.
      await call(undefined, 'PUT', '/api/v1/models/ctr/aliases/challenger', { version, reason: 'next candidate' });
      await sleep(300);
      const promoting = replicas[round % replicas.length]!;
      const sent = performance.now();
      await call(promoting, 'POST', '/api/v1/models/ctr/actions/promote', { version, reason: `round ${round}` });
      const answered = performance.now();
      const seen = await Promise.all(
        replicas.map(async (replica) => {
          await until(`${replica.url} serves ${version}`, async () => ((await served(replica, 'ctr')) === version ? true : undefined), 5_000, 2);
          return performance.now() - answered;
        }),
      );
      t.diagnostic(`round ${round}: promote answered in ${(answered - sent).toFixed(0)} ms; new version first served ${seen.map((ms) => ms.toFixed(0)).join(', ')} ms after`);
      for (const ms of seen) delays.push(ms);
    }
    delays.sort((a, b) => a - b);
    t.diagnostic(`routing propagation over ${delays.length} replica-promotes: p50 ${quantile(delays, 0.5).toFixed(1)} ms, max ${delays.at(-1)!.toFixed(1)} ms`);
    // The alias poll is off here (MODELWATCH_ROUTER_SYNC_MS 60 s), so only the NOTIFY push can switch a
    // replica this soon; the 100 ms target is a figure of the printed diagnostics (docs/operations.md),
    // not an assertion a loaded CI machine could fail on scheduling alone.
    assert.ok(delays.at(-1)! <= 2000, `the slowest replica served the new version ${delays.at(-1)!.toFixed(1)} ms after the promote`);
  });

  test('ingest through the balancer: the totals are exact', { timeout: 60_000 }, async (t) => {
    const now = Date.now();
    const batches = 60;
    const perBatch = 50;
    let sent = 0;
    await Promise.all(
      Array.from({ length: 6 }, async (_, worker) => {
        for (let b = worker; b < batches; b += 6) {
          const records = Array.from({ length: perBatch }, (_, i) => ({ id: `i${b}-${i}`, ts: now - 60_000, version: 'external', features: instance, score: 0.5 }));
          const reply = await call(undefined, 'POST', '/api/v1/models/ctr/predictions', { records });
          sent += reply.accepted;
          await call(undefined, 'POST', '/api/v1/models/ctr/outcomes', { records: records.filter((_, i) => i % 5 === 0).map((r) => ({ id: r.id, impression: 1, click: 1 })) });
        }
      }),
    );
    assert.equal(sent, batches * perBatch);
    const url = `/api/v1/models/ctr/kpis?from=${now - 3_600_000}&to=${now + 60_000}&step=1h&by=none&kpi=requests,ctr&version=external`;
    const totals = await until('every replica flushed', async () => {
      const kpis = await call(replicas[2], 'GET', url);
      const requests = kpis.series.find((s: { kpi: string }) => s.kpi === 'requests').points.reduce((s: number, p: [number, number | null]) => s + (p[1] ?? 0), 0);
      const clicks = kpis.series.find((s: { kpi: string }) => s.kpi === 'ctr').counts.reduce((s: number, c: number[]) => s + c[0]!, 0);
      return requests === sent && clicks === sent / 5 ? { requests, clicks } : undefined;
    });
    t.diagnostic(`${totals.requests} predictions and ${totals.clicks} clicks sent through the balancer to 3 replicas; the same totals counted`);
  });

  test('20 retrain jobs: each runs exactly once', { timeout: 60_000 }, async (t) => {
    const runs = path.join(dataDir, 'trainer-runs.log');
    const onnx = path.join(dataDir, 'trained.onnx');
    fs.writeFileSync(onnx, logisticRegressionOnnx({ weights: [0.3, 0.1] }));
    await call(undefined, 'POST', '/api/v1/models', { name: 'retrained', features: testFeatures, settings: { retrain: { runner: 'command', command: ['python3', countTrainer, runs, onnx] } } }, 201);
    const now = Date.now();
    const labelled = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, ts: now - (200 - i) * 60_000, version: 'external', features: { price: i / 200, age: 20 + (i % 40), category: 'a' }, score: 0.5 }));
    await call(undefined, 'POST', '/api/v1/models/retrained/predictions', { records: labelled });
    await call(undefined, 'POST', '/api/v1/models/retrained/outcomes', { records: labelled.map((r, i) => ({ id: r.id, impression: 1, click: i % 3 === 0 ? 1 : 0 })) });
    const jobIds: string[] = [];
    for (let i = 0; i < 20; i++) jobIds.push((await call(undefined, 'POST', '/api/v1/models/retrained/actions/retrain', { reason: `job ${i}` }, 202)).action.jobId);
    const jobs = await until(
      'every job ended',
      async () => {
        const all = await Promise.all(jobIds.map(async (id) => (await call(undefined, 'GET', `/api/v1/jobs/${id}`)).job));
        return all.every((j) => j.status !== 'queued' && j.status !== 'running') ? all : undefined;
      },
      45_000,
      200,
    );
    const ran = fs.readFileSync(runs, 'utf8').trim().split('\n').map((line) => line.split(' ')[0]!);
    t.diagnostic(`${jobIds.length} jobs: ${ran.length} trainer runs; states ${[...new Set(jobs.map((j) => j.status))].join(', ')}`);
    assert.deepEqual([...ran].sort(), [...jobIds].sort(), 'each job ran exactly once');
    assert.ok(jobs.every((j) => j.attempts === 1), `attempts ${jobs.map((j) => j.attempts).join(',')}`);
  });

  test('a canary ramp held by one replica sends the same units to the canary on every replica; a rollback on another stops it on all', { timeout: 60_000 }, async (t) => {
    let { champion } = await call(undefined, 'GET', '/api/v1/models/ctr/aliases');
    if (!champion) {
      champion = await register('ctr', 60);
      await call(undefined, 'POST', '/api/v1/models/ctr/actions/promote', { version: champion, reason: 'a champion to ramp from' });
    }
    const candidate = await register('ctr', 70);
    const units = Array.from({ length: 400 }, (_, i) => `unit-${i}`);
    /** The units a replica sends to `candidate` (one request with every unit). */
    const canaryUnits = async (replica: ServiceProcess): Promise<string[]> => {
      const reply = await call(replica, 'POST', '/api/v1/models/ctr/predict', { instances: units.map((unitId) => ({ unitId, features: instance })) });
      return units.filter((_, i) => reply.predictions[i].version === candidate);
    };
    const started = await call(replicas[0], 'POST', '/api/v1/models/ctr/actions/promote', { version: candidate, strategy: 'canary', steps: [30, 100], stepSeconds: 60, reason: 'canary share on every replica' }, 202);
    const shares = await until('every replica sends units to the canary', async () => {
      const each = await Promise.all(replicas.map(canaryUnits));
      return each.every((u) => u.length > 0) ? each : undefined;
    }, 5000, 20);
    t.diagnostic(`canary units per replica: ${shares.map((u) => u.length).join(', ')} of ${units.length} (step 30 %)`);
    assert.deepEqual(shares[1], shares[0], 'replica 1 sends the same units as the holder');
    assert.deepEqual(shares[2], shares[0], 'replica 2 sends the same units as the holder');
    assert.ok(shares[0]!.length > 80 && shares[0]!.length < 160, `about 30 % of ${units.length}: ${shares[0]!.length}`);

    const sent = Date.now();
    await call(replicas[2], 'POST', '/api/v1/models/ctr/actions/rollback', { reason: 'stop the canary from a follower' });
    const repliedMs = Date.now() - sent;
    const stoppedMs = await Promise.all(
      replicas.map((replica) => until(`${replica.url} stops the canary`, async () => ((await canaryUnits(replica)).length === 0 ? Date.now() - sent : undefined), 5000, 5)),
    );
    t.diagnostic(`rollback on a follower: replied after ${repliedMs} ms; no unit on the canary after ${stoppedMs.join(', ')} ms (holder, follower, the replica that rolled back; each probe is one 400-instance predict)`);
    assert.equal((await call(undefined, 'GET', `/api/v1/actions/${started.action.id}`)).action.status, 'failed');
    assert.equal((await call(undefined, 'GET', '/api/v1/models/ctr/aliases')).champion, champion);
  });

  test('kill -9 of the replica holding a canary ramp: another resumes it at its step and finishes it', { timeout: 60_000 }, async (t) => {
    const { champion } = await call(undefined, 'GET', '/api/v1/models/ctr/aliases');
    const candidate = await register('ctr', 50);
    const holder = replicas[0]!;
    const started = await call(holder, 'POST', '/api/v1/models/ctr/actions/promote', { version: candidate, strategy: 'canary', steps: [10, 50, 100], stepSeconds: 2, reason: 'canary across replicas' }, 202);
    const actionId = started.action.id as string;
    await until('the first step passed', async () => ((await call(replicas[1], 'GET', `/api/v1/actions/${actionId}`)).action.details.step >= 1 ? true : undefined), 10_000, 50);
    const killed = Date.now();
    await holder.stop('SIGKILL');
    const resumed = await until('another replica resumed the ramp', async () => {
      const { action } = await call(replicas[1], 'GET', `/api/v1/actions/${actionId}`);
      return action.details.resumedAt ? action : undefined;
    });
    const takeoverMs = Date.parse(resumed.details.resumedAt) - killed;
    t.diagnostic(`ramp resumed ${takeoverMs} ms after the kill (lease ${LEASE_MS} ms), at step ${resumed.details.step}, by ${resumed.details.resumedBy}`);
    assert.ok(resumed.details.step >= 1, 'resumed at its step, not from the start');
    // About one lease period (the figure printed above, docs/operations.md); the bound leaves a loaded CI machine room.
    assert.ok(takeoverMs <= LEASE_MS * 3, `takeover took ${takeoverMs} ms`);
    const done = await until('the ramp finished', async () => {
      const { action } = await call(undefined, 'GET', `/api/v1/actions/${actionId}`);
      return action.status === 'running' ? undefined : action;
    });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.details));
    assert.equal((await call(undefined, 'GET', '/api/v1/models/ctr/aliases')).champion, candidate);
    assert.notEqual(champion, candidate);
    for (const replica of replicas.slice(1)) await until(`${replica.url} serves ${candidate}`, async () => ((await served(replica, 'ctr')) === candidate ? true : undefined), 1000, 5);
  });
});
