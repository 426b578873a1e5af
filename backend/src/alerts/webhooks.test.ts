import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { RecordingPerformer } from '../testing/recording-performer.ts';
import { alertmanagerPayload, grafanaPayload, type AlertInput } from './testdata/payloads.ts';
import { grafanaSignature } from './webhook-auth.ts';

const SECRET = 'test-webhook-secret';
const AM = '/api/v1/webhooks/alertmanager';
const GRAFANA = '/api/v1/webhooks/grafana';

const retrainAlert = (model: string, extra: Partial<AlertInput> = {}): AlertInput => ({
  labels: { alertname: 'ModelWatchDatasetDrift', model, modelwatch_action: 'retrain', severity: 'critical' },
  ...extra,
});

for (const dialect of testDialects()) {
  describe(`alert webhooks and policies on ${dialect}`, () => {
    let server: TestServer;
    const performer = new RecordingPerformer();
    let editor: string;
    let viewer: string;
    // The dedicated alert credential (docs/security.md): what a contact point should send.
    let webhook: string;

    const deliver = (path: string, payload: unknown, token: string | null = webhook) => server.request('POST', path, { body: payload, token });
    const signedDelivery = (payload: unknown, ts = String(Math.floor(Date.now() / 1000))) => {
      const raw = JSON.stringify(payload);
      return server.request('POST', GRAFANA, {
        rawBody: raw,
        token: null,
        headers: {
          'content-type': 'application/json',
          'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, raw),
          'x-grafana-alerting-signature-timestamp': ts,
        },
      });
    };

    before(async () => {
      server = await startTestServer(dialect, { MODELWATCH_WEBHOOK_SECRET: SECRET }, { alertPerformer: performer });
      for (const role of ['editor', 'viewer', 'webhook'] as const) {
        const response = await server.request('POST', '/api/v1/tokens', { body: { name: `alerts-${role}`, role } });
        if (role === 'editor') editor = response.body.token;
        else if (role === 'viewer') viewer = response.body.token;
        else webhook = response.body.token;
      }
    });
    after(() => server.close());
    beforeEach(async () => {
      performer.reset();
      await server.request('DELETE', '/api/v1/policies');
    });

    test('default policy: a retrain alert retrains once; the repeated delivery does nothing', async () => {
      const payload = alertmanagerPayload([retrainAlert('m-default')]);
      const first = await deliver(AM, payload);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.received, 1);
      const [result] = first.body.results;
      assert.equal(result.outcome, 'acted');
      assert.equal(result.action, 'retrain');
      assert.equal(result.policy, 'default-retrain');
      assert.equal(result.jobId, 'job-1');
      assert.equal(performer.calls.length, 1);
      const call = performer.calls[0]!;
      assert.equal(call.model, 'm-default');
      assert.equal(call.actor.name, 'policy:default-retrain');
      assert.match(call.reason, /ModelWatchDatasetDrift: ModelWatchDatasetDrift on m-default \(alertmanager alert fp-/);

      const again = await deliver(AM, payload);
      assert.equal(again.status, 200);
      assert.equal(again.body.results[0].outcome, 'duplicate');
      assert.equal(again.body.results[0].jobId, 'job-1', 'the reply points at what the first delivery did');
      assert.equal(performer.calls.length, 1, 'no second action');

      const incidents = await server.request('GET', '/api/v1/incidents?model=m-default');
      assert.equal(incidents.status, 200);
      assert.equal(incidents.body.incidents.length, 1);
      const [incident] = incidents.body.incidents;
      assert.equal(incident.deliveries, 2);
      assert.equal(incident.status, 'firing');
      assert.equal(incident.startsAt, '2026-01-01T10:00:00.123Z');
      assert.equal(incident.decision.outcome, 'acted');
      assert.equal(incident.decision.jobId, 'job-1');
      const detail = await server.request('GET', `/api/v1/incidents/${incident.id}`);
      assert.equal(detail.body.decisions.length, 1);

      // Traceability: the delivery, the decision with its job, all in the audit log.
      const audit = await server.request('GET', '/api/v1/audit?model=m-default');
      const types = audit.body.actions.map((a: { type: string }) => a.type);
      assert.deepEqual(types, ['webhook.received', 'webhook.received', 'alert.decision']);
      const decision = audit.body.actions[2];
      assert.equal(decision.status, 'acted');
      assert.equal(decision.jobId, 'job-1');
      assert.equal(decision.details.alertname, 'ModelWatchDatasetDrift');
      assert.equal(decision.details.incidentId, incident.id);
      assert.equal(audit.body.actions[0].details.alerts[0].outcome, 'duplicate');
    });

    test('the same alert firing again soon is a new instance, held by the cooldown', async () => {
      await deliver(AM, alertmanagerPayload([retrainAlert('m-cool')]));
      const refired = await deliver(AM, alertmanagerPayload([retrainAlert('m-cool', { startsAt: '2026-01-01T10:20:00Z' })]));
      assert.equal(refired.body.results[0].outcome, 'cooldown');
      assert.match(refired.body.results[0].reason, /cooldown 1800 s/);
      assert.equal(performer.calls.length, 1);
    });

    test('concurrent repeated deliveries act exactly once', async () => {
      const payload = alertmanagerPayload([retrainAlert('m-race')]);
      const replies = await Promise.all(Array.from({ length: 6 }, () => deliver(AM, payload)));
      const outcomes = replies.map((r) => r.body.results[0].outcome).sort();
      assert.deepEqual(outcomes, ['acted', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
      assert.equal(performer.calls.length, 1);
    });

    test('resolved notifications close the incident and never act', async () => {
      const firing = retrainAlert('m-resolve', { labels: { ...retrainAlert('x').labels, model: 'm-resolve', modelwatch_action: 'none' } });
      await deliver(AM, alertmanagerPayload([firing]));
      const resolvedAlert = { ...firing, status: 'resolved' as const, endsAt: '2026-01-01T11:00:00Z' };
      const resolved = await deliver(AM, alertmanagerPayload([resolvedAlert]));
      assert.equal(resolved.status, 200);
      assert.equal(resolved.body.results[0].outcome, 'resolved');
      assert.equal((await deliver(AM, alertmanagerPayload([resolvedAlert]))).body.results[0].outcome, 'duplicate');
      // A firing delivery arriving late, after the resolution, does not act either.
      assert.equal((await deliver(AM, alertmanagerPayload([firing]))).body.results[0].outcome, 'duplicate');
      // A resolved alert never seen firing (even with a retrain label) is recorded, not acted on.
      const unseen = await deliver(AM, alertmanagerPayload([{ ...retrainAlert('m-resolve2'), status: 'resolved' }]));
      assert.equal(unseen.body.results[0].outcome, 'resolved');
      assert.equal(performer.calls.length, 0);
      const incidents = await server.request('GET', '/api/v1/incidents?model=m-resolve&status=resolved');
      assert.equal(incidents.body.incidents.length, 1);
      assert.equal(incidents.body.incidents[0].endsAt, '2026-01-01T11:00:00.000Z');
      assert.equal(incidents.body.incidents[0].decision.outcome, 'ignored');
      const audit = await server.request('GET', '/api/v1/audit?model=m-resolve&type=alert.resolved');
      assert.equal(audit.body.actions.length, 1);
    });

    test('a failed action is retried by the next delivery of the same instance, and acts once', async () => {
      performer.failNext = new Error('job queue down');
      const payload = alertmanagerPayload([retrainAlert('m-fail')]);
      const failed = await deliver(AM, payload);
      assert.equal(failed.body.results[0].outcome, 'failed');
      const decision = (await server.request('GET', '/api/v1/incidents?model=m-fail')).body.incidents[0].decision;
      assert.equal(decision.error, 'job queue down');
      const retried = await deliver(AM, payload);
      assert.equal(retried.body.results[0].outcome, 'acted');
      assert.equal((await deliver(AM, payload)).body.results[0].outcome, 'duplicate');
      assert.equal(performer.calls.length, 2);
      assert.equal(new Set(performer.calls.map((c) => c.idempotencyKey)).size, 1, 'same idempotency key on every attempt');
      assert.equal(performer.actions, 1);
    });

    test('Grafana: HMAC-signed delivery acts; rollback label rolls back', async () => {
      const payload = grafanaPayload([
        { labels: { alertname: 'ModelWatchErrorRateHigh', model: 'm-grafana', modelwatch_action: 'rollback', severity: 'critical' } },
      ]);
      const response = await signedDelivery(payload);
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.results[0].outcome, 'acted');
      assert.equal(performer.calls[0]?.type, 'rollback');
      const audit = await server.request('GET', '/api/v1/audit?type=webhook.received&model=m-grafana');
      assert.equal(audit.body.actions[0].actor, 'webhook:hmac');
      assert.equal(audit.body.actions[0].details.source, 'grafana');
    });

    test('replayed (stale timestamp), unsigned, tampered, and viewer deliveries are refused', async () => {
      const payload = grafanaPayload([retrainAlert('m-refused')]);
      const stale = await signedDelivery(payload, String(Math.floor(Date.now() / 1000) - 3600));
      assert.equal(stale.status, 401);
      assert.match(stale.body.error.message, /stale webhook timestamp/);
      const unsigned = await deliver(GRAFANA, payload, null);
      assert.equal(unsigned.status, 401);
      assert.match(unsigned.body.error.message, /unauthenticated webhook/);
      const unsignedAm = await deliver(AM, alertmanagerPayload([retrainAlert('m-refused')]), null);
      assert.equal(unsignedAm.status, 401);
      const ts = String(Math.floor(Date.now() / 1000));
      const tampered = await server.request('POST', GRAFANA, {
        body: { ...payload, status: 'resolved' },
        token: null,
        headers: {
          'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, JSON.stringify(payload)),
          'x-grafana-alerting-signature-timestamp': ts,
        },
      });
      assert.equal(tampered.status, 401);
      const byViewer = await deliver(AM, alertmanagerPayload([retrainAlert('m-refused')]), viewer);
      assert.equal(byViewer.status, 403);
      const basic = Buffer.from(`alertmanager:${editor}`).toString('base64');
      const byBasic = await server.request('POST', AM, {
        body: alertmanagerPayload([retrainAlert('m-basic')]),
        token: null,
        headers: { authorization: `Basic ${basic}` },
      });
      assert.equal(byBasic.status, 200);
      assert.equal(performer.calls.map((c) => c.model).join(), 'm-basic', 'only the authenticated delivery acted');
      assert.equal((await server.request('GET', '/api/v1/incidents?model=m-refused')).body.incidents.length, 0);
    });

    test('malformed deliveries are 400 and name what is wrong', async () => {
      const notJson = await server.request('POST', AM, { rawBody: '{"alerts": [', headers: { 'content-type': 'application/json' } });
      assert.equal(notJson.status, 400);
      assert.match(notJson.body.error.message, /not valid JSON/);
      const cases: Array<[string, unknown, RegExp]> = [
        [AM, { ...alertmanagerPayload([retrainAlert('m-bad')]), version: '3' }, /body\.version: expected Alertmanager webhook payload version "4"/],
        [AM, { ...alertmanagerPayload([retrainAlert('m-bad')]), alerts: [] }, /body\.alerts: expected at least one alert/],
        [GRAFANA, { status: 'firing' }, /body\.alerts/],
        [GRAFANA, grafanaPayload([{ ...retrainAlert('m-bad'), startsAt: 'yesterday' }]), /body\.alerts\[0\]\.startsAt: expected an RFC 3339 time/],
        [GRAFANA, { ...grafanaPayload([retrainAlert('m-bad')]), status: 'exploded' }, /body\.status: expected "firing" or "resolved"/],
        [AM, [1, 2], /body/],
      ];
      for (const [path, body, message] of cases) {
        const response = await deliver(path, body);
        assert.equal(response.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)} → ${response.text}`);
        assert.match(response.body.error.message, message);
      }
      const noBody = await server.request('POST', AM, { token: editor });
      assert.equal(noBody.status, 400);
      assert.equal(performer.calls.length, 0);
    });

    test('policies: read the default, replace (validated, admin only), reset', async () => {
      const initial = await server.request('GET', '/api/v1/policies', { token: viewer });
      assert.equal(initial.status, 200);
      assert.equal(initial.body.isDefault, true);
      assert.deepEqual(
        initial.body.policies.map((p: { name: string; cooldown: string; action: string }) => [p.name, p.action, p.cooldown]),
        [
          ['default-retrain', 'retrain', '30m'],
          ['default-rollback', 'rollback', '30m'],
        ],
      );
      const document = {
        maxActionsPerHour: 1000,
        policies: [{ name: 'drift', match: { alertname: 'ModelWatchDatasetDrift' }, action: 'retrain', cooldown: '2h', retrain: { gpus: 1 } }],
      };
      assert.equal((await server.request('PUT', '/api/v1/policies', { body: document, token: editor })).status, 403);
      const bad = await server.request('PUT', '/api/v1/policies', { body: { policies: [{ name: 'x', action: 'nuke' }] } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /body\.policies\[0\]\.action: expected one of retrain, rollback, stop_experiment, none/);
      const stored = await server.request('PUT', '/api/v1/policies', { body: document });
      assert.equal(stored.status, 200, stored.text);
      assert.equal(stored.body.isDefault, false);
      assert.equal(stored.body.updatedBy, 'token:admin (MODELWATCH_ADMIN_TOKEN)');
      assert.equal(stored.body.policies[0].cooldown, '2h');
      assert.equal(stored.body.policies[0].mode, 'auto');

      await deliver(AM, alertmanagerPayload([retrainAlert('m-policy', { labels: { alertname: 'ModelWatchDatasetDrift', model: 'm-policy' } })]));
      assert.equal(performer.calls[0]?.options.retrain?.gpus, 1, 'policy retrain options reach the job');

      const reset = await server.request('DELETE', '/api/v1/policies');
      assert.equal(reset.body.isDefault, true);
      const audit = await server.request('GET', '/api/v1/audit?type=policies.updated');
      assert.equal(audit.body.actions[0].details.policies[0].name, 'drift');
    });

    test('dry run records what would happen and does nothing', async () => {
      await server.request('PUT', '/api/v1/policies', {
        body: { dryRun: true, policies: [{ name: 'all', match: { model: '*', modelwatch_action: 'retrain' }, action: 'retrain' }] },
      });
      const first = await deliver(AM, alertmanagerPayload([retrainAlert('m-dry')]));
      assert.equal(first.body.results[0].outcome, 'dry_run');
      assert.match(first.body.results[0].reason, /would retrain "m-dry"/);
      const second = await deliver(AM, alertmanagerPayload([retrainAlert('m-dry', { startsAt: '2026-01-01T10:05:00Z' })]));
      assert.equal(second.body.results[0].outcome, 'cooldown', 'the dry run shows the cooldown the real thing would hit');
      assert.equal(performer.calls.length, 0);
      // Switched to real: the dry runs do not hold it back.
      await server.request('PUT', '/api/v1/policies', {
        body: { policies: [{ name: 'all', match: { model: '*', modelwatch_action: 'retrain' }, action: 'retrain' }] },
      });
      const real = await deliver(AM, alertmanagerPayload([retrainAlert('m-dry', { startsAt: '2026-01-01T10:06:00Z' })]));
      assert.equal(real.body.results[0].outcome, 'acted');
    });

    test('rate limit over HTTP: the second model within the hour waits', async () => {
      // A server of its own: the limit counts every action of the last hour.
      const own = await startTestServer(dialect, {}, { alertPerformer: performer });
      try {
        await own.request('PUT', '/api/v1/policies', {
          body: { maxActionsPerHour: 1, policies: [{ name: 'all', match: { modelwatch_action: 'retrain' }, action: 'retrain' }] },
        });
        const response = await own.request('POST', AM, { body: alertmanagerPayload([retrainAlert('m-rate-a'), retrainAlert('m-rate-b')]) });
        assert.deepEqual(
          response.body.results.map((r: { outcome: string }) => r.outcome),
          ['acted', 'rate_limited'],
        );
        assert.match(response.body.results[1].reason, /1 actions in the last hour; the limit is 1/);
        assert.equal(performer.calls.length, 1);
      } finally {
        await own.close();
      }
    });

    test('approval: pending until an admin approves (acts) or rejects (never acts)', async () => {
      await server.request('PUT', '/api/v1/policies', {
        body: { policies: [{ name: 'careful', match: { modelwatch_action: 'rollback' }, action: 'rollback', mode: 'approval' }] },
      });
      const rollback = (model: string) => ({ labels: { alertname: 'ModelWatchErrorRateHigh', model, modelwatch_action: 'rollback' } });
      const response = await deliver(AM, alertmanagerPayload([rollback('m-approve'), rollback('m-reject')]));
      assert.deepEqual(
        response.body.results.map((r: { outcome: string }) => r.outcome),
        ['pending', 'pending'],
      );
      assert.equal(performer.calls.length, 0);
      const pending = await server.request('GET', '/api/v1/policies/pending', { token: viewer });
      assert.equal(pending.status, 200);
      const byModel = new Map(pending.body.pending.map((p: { model: string; id: string }) => [p.model, p]));
      const approveId = (byModel.get('m-approve') as { id: string }).id;
      const rejectId = (byModel.get('m-reject') as { id: string; incident: { alertname: string } }).id;
      assert.equal((byModel.get('m-approve') as { incident: { alertname: string } }).incident.alertname, 'ModelWatchErrorRateHigh');

      // A repeated delivery while pending neither acts nor adds a second pending action.
      const repeat = await deliver(AM, alertmanagerPayload([rollback('m-approve')]));
      assert.equal(repeat.body.results[0].outcome, 'duplicate');

      assert.equal((await server.request('POST', `/api/v1/policies/pending/${approveId}/approve`, { token: editor, body: {} })).status, 403);
      const approved = await server.request('POST', `/api/v1/policies/pending/${approveId}/approve`, { body: { reason: 'checked the dashboard' } });
      assert.equal(approved.status, 200, approved.text);
      assert.equal(approved.body.decision.outcome, 'acted');
      assert.equal(approved.body.decision.decidedBy, 'token:admin (MODELWATCH_ADMIN_TOKEN)');
      assert.equal(performer.calls.length, 1);
      assert.equal(performer.calls[0]!.actor.name, 'token:admin (MODELWATCH_ADMIN_TOKEN)', 'the approver is the actor');
      const twice = await server.request('POST', `/api/v1/policies/pending/${approveId}/approve`, { body: {} });
      assert.equal(twice.status, 409);

      const rejected = await server.request('POST', `/api/v1/policies/pending/${rejectId}/reject`, { body: {} });
      assert.equal(rejected.status, 200);
      assert.equal(rejected.body.decision.outcome, 'rejected');
      assert.equal((await server.request('POST', `/api/v1/policies/pending/${rejectId}/approve`, { body: {} })).status, 409);
      assert.equal((await server.request('POST', '/api/v1/policies/pending/ghost/approve', { body: {} })).status, 404);
      assert.equal(performer.calls.length, 1);
      assert.equal((await server.request('GET', '/api/v1/policies/pending')).body.pending.length, 0);
      const audit = await server.request('GET', '/api/v1/audit?model=m-approve');
      assert.deepEqual(
        audit.body.actions.map((a: { type: string; status: string }) => `${a.type}:${a.status}`).slice(0, 3),
        // Newest first: the approval, the repeated delivery, the pending decision (the first
        // delivery carried two models, so its entry has no single model).
        ['alert.approved:acted', 'webhook.received:firing', 'alert.decision:pending'],
      );
    });
  });
}
