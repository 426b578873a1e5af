import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logisticRegressionOnnx } from '../testing/onnx-fixtures.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { startAlertingStack, waitFor, type AlertingStack } from '../local-stack/alerting-stack.ts';
import { prometheusToolsMissing } from '../local-stack/prometheus-tools.ts';
import { createRng } from '../core/random.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The loop with the real parts: Debian's Prometheus and Alertmanager run the SHIPPED
 * configuration (provisioning/prometheus, provisioning/alertmanager) with only ports,
 * targets, the webhook URL, the token file and the intervals rewritten for a test; the
 * backend runs in-process. Drift and errors are ingested; Prometheus sees them on /metrics,
 * the rules fire, Alertmanager calls the webhook, the default policy acts through the real
 * services: a retrain job (JobService) for the drift, a rollback (ActionService) for the errors. Then a repeated delivery of the
 * same notification must not act again.
 */

const skip = prometheusToolsMissing();
const MODEL = 'ctr';
const DEADLINE_MS = 50_000;


/** Deterministic pseudo-random numbers and normal draws. */
function random(seed: number) {
  const next = createRng(seed);
  const normal = (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

interface Delivery {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
  reply: string;
}

describe('alerting loop: Prometheus → Alertmanager → webhook → policy → action', { skip }, () => {
  let server: TestServer;
  let tmp: string;
  let stack: AlertingStack | undefined;
  let proxy: http.Server | undefined;
  const deliveries: Delivery[] = [];
  let promUrl = '';

  const logs = () => stack?.logs() ?? '';

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-alerting-'));
    server = await startTestServer('sqlite', { MODELWATCH_WEBHOOK_SECRET: 'loop-secret' });

    // Model, two versions with reference data; v2 champion, v1 the previous one.
    const rng = random(7);
    const reference = Array.from({ length: 800 }, () => ({ price: rng.normal(10, 2), category: ['a', 'b', 'c'][Math.floor(rng.next() * 3)] }));
    const features = [
      { name: 'price', type: 'numeric' },
      { name: 'category', type: 'categorical' },
    ];
    assert.equal((await server.request('POST', '/api/v1/models', { body: { name: MODEL, features } })).status, 201);
    for (const [version, weight] of [['v1', 0.1], ['v2', 0.2]] as const) {
      const artifact = logisticRegressionOnnx({ weights: [weight] }).toString('base64');
      const registered = await server.request('POST', `/api/v1/models/${MODEL}/versions`, { body: { version, artifact, reference: { rows: reference } } });
      assert.equal(registered.status, 201, registered.text);
      const promoted = await server.request('POST', `/api/v1/models/${MODEL}/actions/promote`, { body: { version, reason: 'e2e setup' } });
      assert.equal(promoted.status, 200, promoted.text);
    }

    // Alertmanager's token, read from a file as the shipped config says.
    // The dedicated alert credential (docs/security.md): an editor token's rollback would wait for approval.
    const token = await server.request('POST', '/api/v1/tokens', { body: { name: 'alertmanager', role: 'webhook' } });
    const tokenFile = path.join(tmp, 'modelwatch-token');
    fs.writeFileSync(tokenFile, token.body.token, { mode: 0o600 });

    // A recording pass-through in front of the webhook, so the test can repeat a delivery verbatim.
    const backend = new URL(server.url);
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const body = Buffer.concat(chunks);
        const forward = http.request(
          { host: backend.hostname, port: backend.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            const back: Buffer[] = [];
            answer.on('data', (c: Buffer) => back.push(c));
            answer.on('end', () => {
              const reply = Buffer.concat(back).toString();
              deliveries.push({ at, headers: req.headers, body: body.toString(), status: answer.statusCode ?? 0, reply });
              res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' }).end(reply);
            });
          },
        );
        forward.on('error', (error) => res.writeHead(502).end(String(error)));
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', () => resolve()));
    const proxyPort = (proxy.address() as net.AddressInfo).port;

    stack = await startAlertingStack({
      backendHost: backend.host,
      webhookUrl: `http://127.0.0.1:${proxyPort}/api/v1/webhooks/alertmanager`,
      tokenFile,
      dir: tmp,
      // Thresholds and labels as shipped; every `for` shortened to 2 s.
      forDuration: () => '2s',
    });
    promUrl = stack.prometheusUrl;
  });

  after(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('drift and errors reach the policies once: one retrain, one rollback; a repeated delivery does nothing', { timeout: 90_000 }, async (t) => {
    // The backend is scraped (healthy, no alert) before anything goes wrong.
    await waitFor('Prometheus to scrape the backend', 20_000, async () => {
      const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
      return targets.data.activeTargets.some((target) => target.health === 'up');
    }, logs);

    // Drift onset: v2's traffic moves (price 10 → 20, a new category) and 20% of it fails.
    const rng = random(11);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const records = Array.from({ length: 600 }, (_, i) => ({
      id: `p-${i}`,
      // The last complete minute, which the exported KPIs and drift cover.
      ts: end - 60_000 + i * 50,
      version: 'v2',
      features: { price: rng.normal(20, 2), category: rng.next() < 0.5 ? 'c' : 'd' },
      score: rng.next(),
      latencyMs: 5 + rng.next() * 10,
      ...(i % 5 === 0 ? { error: true } : {}),
    }));
    const onset = Date.now();
    const ingested = await server.request('POST', `/api/v1/models/${MODEL}/predictions`, { body: { records } });
    assert.equal(ingested.status, 200, ingested.text);
    assert.equal(ingested.body.accepted, records.length, JSON.stringify(ingested.body.rejected?.slice(0, 3)));

    // Where the time goes: when Prometheus first holds the drift, and when the alert fires.
    const seen: { metric?: number; firing?: number } = {};
    let watching = true;
    const watcher = (async () => {
      const query = async (q: string) =>
        ((await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: unknown[] } }).data.result.length > 0;
      while (watching) {
        try {
          if (!seen.metric && (await query(`modelwatch_dataset_drift_share{model="${MODEL}"} >= 0.5`))) seen.metric = Date.now();
          if (!seen.firing && (await query(`ALERTS{alertname="ModelWatchDatasetDrift",alertstate="firing"}`))) seen.firing = Date.now();
        } catch {
          // Prometheus busy: try again.
        }
        await sleep(100);
      }
    })();

    type IncidentView = {
      alertname: string;
      decision: { outcome: string; actedAt: string | null; action: string; actionId: string | null; jobId: string | null } | null;
    };
    const acted = await waitFor(
      'both alerts to be acted on',
      DEADLINE_MS,
      async () => {
        const incidents = (await server.request('GET', `/api/v1/incidents?model=${MODEL}`)).body.incidents as IncidentView[];
        const drift = incidents.find((i) => i.alertname === 'ModelWatchDatasetDrift' && i.decision?.outcome === 'acted');
        const errors = incidents.find((i) => i.alertname === 'ModelWatchErrorRateHigh' && i.decision?.outcome === 'acted');
        return drift && errors ? { drift, errors, incidents } : undefined;
      },
      () => `deliveries: ${JSON.stringify(deliveries.map((d) => d.reply)).slice(0, 2000)}\n${logs()}`,
    );
    watching = false;
    await watcher;
    const driftToRetrainMs = Date.parse(acted.drift.decision!.actedAt!) - onset;
    const errorsToRollbackMs = Date.parse(acted.errors.decision!.actedAt!) - onset;
    t.diagnostic(`drift onset → retrain decided and started: ${(driftToRetrainMs / 1000).toFixed(1)} s`);
    t.diagnostic(`error onset → rollback done: ${(errorsToRollbackMs / 1000).toFixed(1)} s`);
    const since = (at: number | undefined) => (at ? `${((at - onset) / 1000).toFixed(1)} s` : 'not seen');
    t.diagnostic(
      `after onset: drift in Prometheus ${since(seen.metric)} (monitor snapshot cache ≤ 15 s + 1 s scrape), ` +
        `alert firing ${since(seen.firing)} (for: 2 s), first webhook ${since(deliveries[0]?.at)} (group_wait 1 s)`,
    );

    // Exactly one rollback, by the real action service, back to v1.
    const rollbacks = () => server.ctx.actions.list(MODEL, { type: 'rollback' });
    assert.equal((await rollbacks()).length, 1);
    assert.equal((await rollbacks())[0]!.status, 'succeeded');
    assert.equal((await rollbacks())[0]!.actor, 'policy:default-rollback');
    assert.equal((await server.ctx.registry.aliases(MODEL)).champion, 'v1');
    // Exactly one retrain: one retrain action, one job, both linked to the decision.
    const retrainJobs = async () =>
      ((await server.request('GET', `/api/v1/jobs?model=${MODEL}`)).body.jobs as Array<{ id: string; type: string; model: string | null; actor: string }>).filter(
        (j) => j.model === MODEL && j.type === 'retrain',
      );
    const retrains = async () => (await retrainJobs()).length;
    assert.equal(await retrains(), 1);
    const [job] = await retrainJobs();
    assert.equal(acted.drift.decision!.jobId, job!.id);
    const retrainActions = await server.ctx.actions.list(MODEL, { type: 'retrain' });
    assert.equal(retrainActions.length, 1);
    assert.equal(retrainActions[0]!.actor, 'policy:default-retrain');
    assert.equal(retrainActions[0]!.id, acted.drift.decision!.actionId);

    // Force a repeated delivery: the same notification, same credentials, straight to the backend.
    const firing = deliveries.filter((d) => d.status === 200 && JSON.parse(d.body).status === 'firing');
    assert.ok(firing.length >= 1, 'Alertmanager delivered through the webhook');
    for (const delivery of firing) {
      const again = await server.request('POST', '/api/v1/webhooks/alertmanager', {
        rawBody: delivery.body,
        token: null,
        headers: { 'content-type': 'application/json', authorization: String(delivery.headers.authorization) },
      });
      assert.equal(again.status, 200, again.text);
      for (const result of again.body.results) assert.equal(result.outcome, 'duplicate', JSON.stringify(result));
    }
    assert.equal((await rollbacks()).length, 1, 'no second rollback');
    assert.equal(await retrains(), 1, 'no second retrain job');
    assert.equal((await server.ctx.actions.list(MODEL, { type: 'retrain' })).length, 1, 'no second retrain action');
    assert.equal(await server.ctx.registry.aliases(MODEL).then((a) => a.champion), 'v1');

    // Every delivery Alertmanager made was authenticated by the token file and accepted.
    assert.ok(deliveries.every((d) => d.status === 200), JSON.stringify(deliveries.map((d) => [d.status, d.reply.slice(0, 200)])));
    // Traceability: the decisions are in the audit log with the alert that caused them.
    const audit = (await server.request('GET', `/api/v1/audit?model=${MODEL}&type=alert.decision`)).body.actions as Array<{ status: string; details: { alertname: string } }>;
    const decisions = audit.map((a) => `${a.details.alertname}:${a.status}`).sort();
    assert.deepEqual(
      decisions.filter((d) => !d.endsWith(':ignored')),
      ['ModelWatchDatasetDrift:acted', 'ModelWatchErrorRateHigh:acted'],
    );
    // The drift also trips the data-quality rules (mean shift, out-of-range, unseen values): they carry no action, so no policy acts on them.
    assert.ok(decisions.filter((d) => d.endsWith(':ignored')).every((d) => d.startsWith('ModelWatchFeature')), decisions.join(', '));
  });
});
