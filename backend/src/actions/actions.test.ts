import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { systemActor } from '../auth/roles.ts';
import { testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const championRows = async (server: TestServer, model: string) =>
  server.ctx.store.db.selectFrom('model_aliases').selectAll().where('model', '=', model).where('alias', '=', 'champion').execute();

const waitFor = async (check: () => Promise<boolean>, ms = 5000) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

for (const dialect of testDialects()) {
  describe(`actions on ${dialect}`, () => {
    let server: TestServer;
    let hook: http.Server;
    let hookUrl: string;
    const hookCalls: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    let hookAnswers: number[] = [];
    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_DEPLOY_HOOK_BACKOFF_MS: '1', MODELWATCH_DEPLOY_HOOK_ATTEMPTS: '3' });
      hook = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          hookCalls.push({ headers: req.headers, body });
          res.statusCode = hookAnswers.shift() ?? 200;
          res.end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/deploy`;
      await createTestModel(server, 'ctr');
      for (const w of [1, 2, 3]) await registerLogistic(server, 'ctr', [w / 100, 0]);
    });
    after(async () => {
      await server.close();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    });

    test('promote: default is the challenger, which stops being challenger; audited with from/to', async () => {
      await promote(server, 'ctr', 'v1', 'first champion');
      await server.request('PUT', '/api/v1/models/ctr/aliases/challenger', { body: { version: 'v2', reason: 'candidate' } });
      const response = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { reason: 'v2 wins the A/B test' } });
      assert.equal(response.status, 200, response.text);
      const { action } = response.body;
      assert.deepEqual(
        [action.type, action.status, action.model, action.fromVersion, action.toVersion, action.reason, action.actor],
        ['promote', 'succeeded', 'ctr', 'v1', 'v2', 'v2 wins the A/B test', 'token:admin (MODELWATCH_ADMIN_TOKEN)'],
      );
      const aliases = (await server.request('GET', '/api/v1/models/ctr/aliases')).body;
      assert.deepEqual([aliases.champion, aliases.challenger], ['v2', null]);
      const audit = (await server.request('GET', '/api/v1/audit?model=ctr&type=promote')).body.actions[0];
      assert.deepEqual([audit.id, audit.fromVersion, audit.toVersion, audit.status], [action.id, 'v1', 'v2', 'succeeded']);
      assert.equal((await server.request('GET', `/api/v1/actions/${action.id}`)).body.action.id, action.id);
    });

    test('rollback: default is the previous champion; twice walks further back', async () => {
      await promote(server, 'ctr', 'v3');
      const first = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'ctr dropped' } });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual([first.body.action.type, first.body.action.fromVersion, first.body.action.toVersion], ['rollback', 'v3', 'v2']);
      const second = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'still bad' } });
      assert.deepEqual([second.body.action.fromVersion, second.body.action.toVersion], ['v2', 'v1']);
      const none = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'again' } });
      assert.equal(none.status, 422);
      assert.match(none.body.error.message, /no earlier champion that can serve; say which version to roll back to/);
      const explicit = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { toVersion: 'v3', reason: 'explicit' } });
      assert.equal(explicit.body.action.toVersion, 'v3');
      const annotations = (await server.request('GET', '/api/v1/audit?model=ctr&type=rollback')).body.actions;
      assert.ok(annotations.some((a: any) => a.status === 'failed' && /no earlier champion/.test(a.details.error)), 'a refused rollback is audited too');
    });

    test('refusals: unknown version 404, already champion 409, missing reason 400', async () => {
      const unknown = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v404', reason: 'x' } });
      assert.equal(unknown.status, 404);
      const same = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v3', reason: 'x' } });
      assert.equal(same.status, 409);
      const noReason = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v1' } });
      assert.equal(noReason.status, 400);
      assert.match(noReason.body.error.message, /body\.reason/);
      const noChallenger = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { reason: 'x' } });
      assert.equal(noChallenger.status, 422);
      assert.match(noChallenger.body.error.message, /has no challenger/);
      const failed = (await server.request('GET', '/api/v1/models/ctr/actions?type=promote')).body.actions.filter((a: any) => a.status === 'failed');
      assert.ok(failed.length >= 3);
    });

    test('Idempotency-Key: a repeated key answers the first result and acts once', async () => {
      const headers = { 'idempotency-key': `alert-${dialect}-1` };
      const first = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'alert fired' }, headers });
      assert.equal(first.status, 200, first.text);
      const again = await server.request('POST', '/api/v1/models/ctr/actions/rollback', { body: { reason: 'alert fired' }, headers });
      assert.equal(again.status, 200);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, first.body);
      assert.equal((await server.request('GET', '/api/v1/models/ctr/aliases')).body.champion, first.body.action.toVersion);
      const rollbacks = (await server.request('GET', '/api/v1/models/ctr/actions?type=rollback')).body.actions.filter((a: any) => a.id === first.body.action.id);
      assert.equal(rollbacks.length, 1);
      const misuse = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v3', reason: 'x' }, headers });
      assert.equal(misuse.status, 422);
      assert.match(misuse.body.error.message, /was already used for rollback/);
      const badKey = await server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version: 'v3', reason: 'x' }, headers: { 'idempotency-key': 'has space' } });
      assert.equal(badKey.status, 400);
    });

    test('concurrent actions serialise: every action starts from the previous one\'s result; one champion', async () => {
      const targets = ['v1', 'v2', 'v3', 'v1', 'v2', 'v3', 'v2', 'v1'];
      const answers = await Promise.all(
        targets.map((version, i) =>
          server.request('POST', '/api/v1/models/ctr/actions/promote', { body: { version, reason: `race ${i}` }, headers: { 'idempotency-key': `race-${dialect}-${i}` } }),
        ),
      );
      assert.ok(answers.every((a) => a.status === 200 || a.status === 409), answers.map((a) => a.status).join(','));
      const done = answers.filter((a) => a.status === 200).map((a) => a.body.action);
      done.sort((a: any, b: any) => a.createdAt.localeCompare(b.createdAt));
      const history = (await server.request('GET', '/api/v1/models/ctr/aliases?limit=1000')).body.history.filter((h: any) => h.alias === 'champion').reverse();
      for (let i = 1; i < history.length; i++) assert.equal(history[i].previousVersion, history[i - 1].version, 'no lost update');
      const rows = await championRows(server, 'ctr');
      assert.equal(rows.length, 1);
      assert.equal(server.ctx.router.champion('ctr'), rows[0]!.version);
    });

    test('actions are counted in modelwatch_actions_total', async () => {
      const metrics = (await server.request('GET', '/metrics')).text;
      assert.match(metrics, /modelwatch_actions_total\{model="ctr",type="promote",status="succeeded"\} \d+/);
      assert.match(metrics, /modelwatch_actions_total\{model="ctr",type="rollback",status="failed"\} \d+/);
    });

    test('deployment hook: signed POST on promote and rollback; the outcome is recorded on the action', async () => {
      await createTestModel(server, 'ext', { deployment: { url: hookUrl, secret: 'hook-secret' } });
      await registerLogistic(server, 'ext', [1, 0]);
      await registerLogistic(server, 'ext', [2, 0]);
      hookCalls.length = 0;
      hookAnswers = [503, 200];
      const promoted = await server.request('POST', '/api/v1/models/ext/actions/promote', { body: { version: 'v1', reason: 'ship' } });
      assert.equal(promoted.status, 200, promoted.text);
      assert.equal(promoted.body.action.details.deployment.status, 'pending');
      await server.ctx.actions.idle();
      const action = (await server.request('GET', `/api/v1/actions/${promoted.body.action.id}`)).body.action;
      assert.deepEqual([action.details.deployment.status, action.details.deployment.attempts, action.details.deployment.httpStatus], ['delivered', 2, 200]);
      const call = hookCalls[1]!;
      const ts = call.headers['x-modelwatch-timestamp'] as string;
      assert.equal(call.headers['x-modelwatch-signature'], `sha256=${createHmac('sha256', 'hook-secret').update(`${ts}.${call.body}`).digest('hex')}`);
      const payload = JSON.parse(call.body);
      assert.deepEqual([payload.event, payload.model, payload.fromVersion, payload.toVersion, payload.actionId], ['promote', 'ext', null, 'v1', action.id]);
      assert.equal(payload.artifact.path, '/api/v1/models/ext/versions/v1/artifact');

      await promote(server, 'ext', 'v2');
      await server.ctx.actions.idle();
      hookAnswers = [500, 500, 500];
      const rollback = await server.request('POST', '/api/v1/models/ext/actions/rollback', { body: { reason: 'bad' } });
      await server.ctx.actions.idle();
      const failed = (await server.request('GET', `/api/v1/actions/${rollback.body.action.id}`)).body.action;
      assert.deepEqual([failed.status, failed.details.deployment.status, failed.details.deployment.attempts], ['succeeded', 'failed', 3]);
      const audit = (await server.request('GET', '/api/v1/audit?model=ext&type=deployment.failed')).body.actions;
      assert.equal(audit.length, 1);
    });

    test('canary: 50 % then 100 % (guardrails between steps), then the champion switch', async () => {
      await createTestModel(server, 'can');
      await registerLogistic(server, 'can', [1, 0]);
      await registerLogistic(server, 'can', [2, 0]);
      await promote(server, 'can', 'v1');
      const started = await server.request('POST', '/api/v1/models/can/actions/promote', { body: { version: 'v2', reason: 'ramp', strategy: 'canary', steps: [50, 100], stepSeconds: 2 } });
      assert.equal(started.status, 202, started.text);
      assert.equal(started.body.action.status, 'running');
      assert.equal(server.ctx.router.state('can').canary?.percent, 50);
      const arms = await Promise.all(Array.from({ length: 200 }, (_, i) => server.request('POST', '/api/v1/models/can/predict', { body: { unitId: `u${i}`, features: { price: 1, age: 1 } } })));
      const canary = arms.filter((a) => a.body.predictions[0].arm === 'canary').length;
      assert.ok(canary > 60 && canary < 140, `about half on the canary, got ${canary}`);
      await waitFor(async () => (await server.ctx.actions.get(started.body.action.id)).status !== 'running', 10_000);
      const done = await server.ctx.actions.get(started.body.action.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.details));
      assert.equal((done.details.checks as unknown[]).length, 1);
      assert.equal(server.ctx.router.state('can').canary, null);
      assert.equal(server.ctx.router.champion('can'), 'v2');
      assert.equal((await championRows(server, 'can'))[0]!.version, 'v2');
    });

    test('canary: a rollback during the ramp stops it; the champion never changed', async () => {
      await registerLogistic(server, 'can', [3, 0]);
      const started = await server.request('POST', '/api/v1/models/can/actions/promote', { body: { version: 'v3', reason: 'ramp', strategy: 'canary', stepSeconds: 3600 } });
      assert.equal(started.status, 202, started.text);
      assert.equal(server.ctx.router.state('can').canary?.percent, 10);
      const rollback = await server.request('POST', '/api/v1/models/can/actions/rollback', { body: { reason: 'stop the canary' } });
      assert.equal(rollback.status, 200, rollback.text);
      assert.deepEqual([rollback.body.action.fromVersion, rollback.body.action.toVersion], ['v3', 'v2']);
      assert.equal(server.ctx.router.state('can').canary, null);
      assert.equal((await server.ctx.actions.get(started.body.action.id)).status, 'failed');
      assert.equal(server.ctx.router.champion('can'), 'v2');
    });

    test('gradual rollback: the champion\'s traffic steps down (50 %, then 0 % with the switch); bad steps are a 400 naming them', async () => {
      const bad = await server.request('POST', '/api/v1/models/can/actions/rollback', { body: { reason: 'slowly', mode: 'gradual', steps: [0, 50] } });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.error.message, /^body\.steps: steps must decrease/);
      assert.equal(server.ctx.router.champion('can'), 'v2');
      const started = await server.request('POST', '/api/v1/models/can/actions/rollback', { body: { reason: 'slowly', mode: 'gradual', steps: [50, 0], stepMs: 1500 } });
      assert.equal(started.status, 202, started.text);
      assert.deepEqual([started.body.action.type, started.body.action.status, started.body.action.fromVersion, started.body.action.toVersion], ['rollback', 'running', 'v2', 'v1']);
      assert.deepEqual(server.ctx.router.state('can').canary && { version: server.ctx.router.state('can').canary!.version, percent: server.ctx.router.state('can').canary!.percent }, { version: 'v1', percent: 50 });
      const served = await Promise.all(Array.from({ length: 200 }, (_, i) => server.request('POST', '/api/v1/models/can/predict', { body: { unitId: `g${i}`, features: { price: 1, age: 1 } } })));
      const back = served.filter((r) => r.body.predictions[0].version === 'v1').length;
      assert.ok(back > 60 && back < 140, `about half back on v1, got ${back}`);
      await waitFor(async () => (await server.ctx.actions.get(started.body.action.id)).status !== 'running', 10_000);
      const done = await server.ctx.actions.get(started.body.action.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.details));
      assert.equal(server.ctx.router.state('can').canary, null);
      assert.equal(server.ctx.router.champion('can'), 'v1');
      assert.equal((await championRows(server, 'can'))[0]!.version, 'v1');
    });

    test('run(): a generic action with idempotency (what retrain and alert policies use)', async () => {
      let calls = 0;
      const work = async () => {
        calls++;
        return { jobId: 'job-42', details: { runner: 'builtin' } };
      };
      const first = await server.ctx.actions.run('retrain', 'ctr', systemActor, 'drift', 'retrain-key', work);
      const second = await server.ctx.actions.run('retrain', 'ctr', systemActor, 'drift', 'retrain-key', work);
      assert.equal(calls, 1);
      assert.deepEqual([first.action.status, first.action.jobId, second.replayed, second.action.id], ['succeeded', 'job-42', true, first.action.id]);
      await assert.rejects(server.ctx.actions.run('retrain', 'ctr', systemActor, 'drift', 'boom-key', async () => Promise.reject(new Error('no runner'))), /no runner/);
      const retry = await server.ctx.actions.run('retrain', 'ctr', systemActor, 'drift', 'boom-key', work);
      assert.equal(retry.action.status, 'succeeded', 'a failed run frees its key');
      const audit = (await server.request('GET', '/api/v1/audit?model=ctr&type=retrain')).body.actions;
      assert.deepEqual(audit.map((a: any) => a.status).sort(), ['failed', 'succeeded', 'succeeded']);
    });
  });
}
