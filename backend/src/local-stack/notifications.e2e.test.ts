import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAlertingStack, waitFor, type AlertingStack, type PeopleNotifications } from './alerting-stack.ts';
import { assertSmtpServerInstalled, startMailSink, type Mail, type MailSink } from './mail-sink.ts';
import { prometheusToolsMissing, repoRoot } from './prometheus-tools.ts';

/**
 * Alerts reach people: Debian's Prometheus and Alertmanager run the SHIPPED configuration
 * (provisioning/prometheus, provisioning/alertmanager with its templates), set up as
 * docs/alerting.md tells users: the SMTP server, addresses and public URLs in the environment
 * (rendered by render-config.sh), the chat webhook URL in a secret file. A real SMTP server
 * (aiosmtpd) and a chat-webhook sink receive what people would. The shipped rule
 * ModelWatchErrorRateHigh evaluates a failing version's series; the series comes from a small
 * exporter here rather than the backend, whose 15 s metrics cache would triple the run time
 * (the backend's own path is src/alerts/loop.e2e.test.ts).
 */

const skip = prometheusToolsMissing();
if (!skip) assertSmtpServerInstalled();

const GRAFANA_URL = 'http://grafana.example.test:3000';
const RUNBOOK_BASE = `file://${repoRoot}`;
const FROM = 'ModelWatch <modelwatch@example.test>';
const TO = 'oncall@example.test';

interface Received {
  path: string;
  body: any;
}

/** One HTTP server for the chat webhook (/chat), the ModelWatch webhook (/webhook) and the scraped /metrics. */
async function startSinks(metrics: string): Promise<{ server: http.Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      // Slack's incoming webhooks answer a plain "ok".
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as net.AddressInfo).port, received };
}

/** A failing v2 of model "ctr": 20% errors at 2 requests/s, as the backend exports it (docs/metrics.md). */
const failingVersion = [
  '# TYPE modelwatch_kpi_value gauge',
  'modelwatch_kpi_value{model="ctr",version="v2",arm="champion",kpi="error_rate"} 0.2',
  'modelwatch_kpi_value{model="ctr",version="v2",arm="champion",kpi="requests_per_second"} 2',
  'modelwatch_kpi_value{model="ctr",version="v1",arm="challenger",kpi="error_rate"} 0.01',
  'modelwatch_kpi_value{model="ctr",version="v1",arm="challenger",kpi="requests_per_second"} 2',
  '',
].join('\n');

interface Run {
  stack: AlertingStack;
  mail: MailSink;
  sinks: Awaited<ReturnType<typeof startSinks>>;
  tmp: string;
}

async function startRun(maintenance: PeopleNotifications['maintenance']): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-notify-'));
  const sinks = await startSinks(failingVersion);
  const closeSinks = () => new Promise<void>((resolve) => sinks.server.close(() => resolve()));
  const mail = await startMailSink(path.join(tmp, 'maildir')).catch(async (error: unknown) => {
    await closeSinks();
    throw error;
  });
  // The secret files, as docker compose would mount them under /run/secrets.
  const chatUrlFile = path.join(tmp, 'modelwatch_chat_webhook_url');
  fs.writeFileSync(chatUrlFile, `http://127.0.0.1:${sinks.port}/chat\n`, { mode: 0o600 });
  const tokenFile = path.join(tmp, 'modelwatch_webhook_token');
  fs.writeFileSync(tokenFile, 'test-webhook-token\n', { mode: 0o600 });
  const stack = await startAlertingStack({
    backendHost: `127.0.0.1:${sinks.port}`,
    webhookUrl: `http://127.0.0.1:${sinks.port}/webhook`,
    tokenFile,
    dir: tmp,
    forDuration: () => '1s',
    people: {
      env: {
        MODELWATCH_SMTP_HOST: mail.host,
        MODELWATCH_SMTP_PORT: String(mail.port),
        MODELWATCH_SMTP_USERNAME: '',
        MODELWATCH_ALERT_EMAIL_FROM: FROM,
        MODELWATCH_ALERT_EMAIL_TO: TO,
        MODELWATCH_GRAFANA_URL: GRAFANA_URL,
        MODELWATCH_RUNBOOK_BASE_URL: RUNBOOK_BASE,
      },
      chatUrlFile,
      smtpPasswordFile: path.join(tmp, 'modelwatch_smtp_password'),
      // aiosmtpd here offers no STARTTLS.
      smtpRequireTls: false,
      maintenance,
    },
  }).catch(async (error: unknown) => {
    await mail.stop();
    await closeSinks();
    throw error;
  });
  return { stack, mail, sinks, tmp };
}

async function stopRun(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.stack.stop();
  await run.mail.stop();
  await new Promise<void>((resolve) => run.sinks.server.close(() => resolve()));
  fs.rmSync(run.tmp, { recursive: true, force: true });
}

const logs = (run: Run) => () => `${run.stack.logs()}\n${run.mail.logs()}\nreceived: ${JSON.stringify(run.sinks.received).slice(0, 2000)}`;
const webhookDeliveries = (run: Run) => run.sinks.received.filter((r) => r.path === '/webhook');
const chatMessages = (run: Run) => run.sinks.received.filter((r) => r.path === '/chat');

describe('notifications to people: Prometheus rule → Alertmanager → e-mail (SMTP) and chat', { skip }, () => {
  let run: Run;
  before(async () => {
    run = await startRun('never');
  });
  after(() => stopRun(run));

  test('a critical alert reaches the mailbox and the chat with what fired, where, the action and the links', { timeout: 30_000 }, async () => {
    const mail: Mail = await waitFor('the mail', 20_000, async () => run.mail.mails()[0], logs(run));
    const subject = '[FIRING:1] CRITICAL ModelWatchErrorRateHigh: model ctr version v2';
    assert.equal(mail.headers.subject, subject);
    assert.equal(mail.headers.from, FROM);
    assert.equal(mail.headers.to, TO);

    const modelPage = `${GRAFANA_URL}/a/modelwatch-mlops-app/models/ctr`;
    const incidents = `${GRAFANA_URL}/a/modelwatch-mlops-app/policies`;
    const runbook = `${RUNBOOK_BASE}/docs/alerting.md#modelwatcherrorratehigh`;
    assert.match(mail.text, /^Error rate of model ctr \(v2\) is 20%$/m);
    assert.match(mail.text, /^Model: ctr, version v2$/m);
    assert.match(mail.text, /^Severity: critical, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    assert.match(mail.text, /^ModelWatch action: rollback: ModelWatch rolls the model back to its previous champion/m);
    assert.ok(mail.text.includes(`Runbook: ${runbook}\n`), mail.text);
    assert.ok(mail.text.includes(`Incident and ModelWatch's decision: ${incidents}\n`), mail.text);
    assert.ok(mail.text.includes(`Model page: ${modelPage}\n`), mail.text);
    assert.match(mail.text, /^Source: http:\/\/[^\s]+\/graph\?g0\.expr=/m);
    // Only the failing version: v1's 1% is below the threshold.
    assert.doesNotMatch(mail.text, /version v1/);
    assert.ok(mail.html.includes(`<a href="${modelPage}">Model page</a>`), mail.html);
    assert.ok(mail.html.includes(`<a href="${runbook}">`), mail.html);
    // The runbook link lands on the rule's section of docs/alerting.md.
    assert.match(fs.readFileSync(path.join(repoRoot, 'docs/alerting.md'), 'utf8'), /<a id="modelwatcherrorratehigh"><\/a>/);

    const chat = await waitFor('the chat message', 10_000, async () => chatMessages(run)[0], logs(run));
    const attachment = chat.body.attachments[0];
    assert.equal(attachment.title, subject);
    assert.equal(attachment.title_link, modelPage);
    assert.equal(attachment.color, 'danger');
    assert.match(attachment.text, /^\*Error rate of model ctr \(v2\) is 20%\*$/m);
    assert.match(attachment.text, /^Model `ctr` version `v2` · severity critical$/m);
    assert.match(attachment.text, /^ModelWatch action: rollback: /m);
    assert.ok(attachment.text.includes(`<${runbook}|Runbook>`), attachment.text);
    assert.ok(attachment.text.includes(`<${incidents}|Incident and decision>`), attachment.text);

    // The backend got the same alert: people are told besides, not instead.
    const delivery = await waitFor('the ModelWatch webhook', 10_000, async () => webhookDeliveries(run)[0], logs(run));
    assert.equal(delivery.body.alerts[0].labels.alertname, 'ModelWatchErrorRateHigh');
    assert.equal(delivery.body.alerts[0].labels.modelwatch_action, 'rollback');
  });
});

describe('notifications to people: the maintenance window mutes people, not the backend', { skip }, () => {
  let run: Run;
  before(async () => {
    run = await startRun('always');
  });
  after(() => stopRun(run));

  test('during maintenance the webhook is called, no mail or chat message is sent', { timeout: 30_000 }, async () => {
    const delivery = await waitFor('the ModelWatch webhook', 20_000, async () => webhookDeliveries(run)[0], logs(run));
    assert.equal(delivery.body.alerts[0].labels.alertname, 'ModelWatchErrorRateHigh');
    // People's routes share group_wait (1 s here) with the backend's: three more group intervals of silence.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.deepEqual(run.mail.mails(), []);
    assert.deepEqual(chatMessages(run), []);
  });
});
