import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import yaml from 'yaml';
import { prometheusToolsMissing, provisioningDir, runTool } from './prometheus-tools.ts';

/**
 * The shipped notifications to people (docs/alerting.md, "Notifications to people"):
 * Alertmanager's receivers, routes by severity, time intervals and templates, checked with
 * amtool on the configuration as render-config.sh fills it in; Grafana's contact points,
 * policies, mute timings and templates checked against the shapes Grafana's file provisioning
 * reads, and their templates rendered with Alertmanager's template engine (Grafana's is the
 * same Go text/template with more functions). The delivery itself: notifications.e2e.test.ts.
 */

const skip = prometheusToolsMissing();
const amDir = path.join(provisioningDir, 'alertmanager');
const grafanaDir = path.join(provisioningDir, 'grafana/alerting');
const read = (file: string) => fs.readFileSync(file, 'utf8');
const parse = (file: string) => yaml.parse(read(file));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-notify-config-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sampleEnv = {
  MODELWATCH_SMTP_HOST: 'smtp.example.com',
  MODELWATCH_SMTP_PORT: '587',
  MODELWATCH_SMTP_USERNAME: 'alerts',
  MODELWATCH_ALERT_EMAIL_FROM: 'ModelWatch <modelwatch@example.com>',
  MODELWATCH_ALERT_EMAIL_TO: 'oncall@example.com, ml-team@example.com',
  MODELWATCH_GRAFANA_URL: 'https://grafana.example.com',
  MODELWATCH_RUNBOOK_BASE_URL: 'https://git.example.com/modelwatch/-/blob/main',
};
const severities = ['critical', 'warning', 'info'];

function renderConfig(env: Record<string, string>, target: string) {
  return spawnSync('sh', [path.join(amDir, 'render-config.sh'), amDir, target], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

/** An alert notification as Alertmanager hands it to templates (amtool template render --template.data). */
function notification(status: 'firing' | 'resolved', externalURL: string) {
  const labels = { alertname: 'ModelWatchDatasetDrift', model: 'fraud-score', version: 'v7', severity: 'critical', modelwatch_action: 'retrain' };
  const alert = {
    status,
    labels,
    annotations: { summary: 'Dataset drift on model fraud-score (v7): 62% of features drifted', description: 'Retraining is suggested.', runbook_url: 'docs/alerting.md#modelwatchdatasetdrift' },
    startsAt: '2026-12-02T01:00:00Z',
    endsAt: status === 'resolved' ? '2026-12-02T02:00:00Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
    fingerprint: 'a1b2c3',
  };
  const file = path.join(tmp, `data-${status}-${externalURL.length}.json`);
  fs.writeFileSync(file, JSON.stringify({ receiver: 'r', status, alerts: [alert], groupLabels: { alertname: labels.alertname, model: labels.model }, commonLabels: labels, commonAnnotations: alert.annotations, externalURL }));
  return file;
}

function renderTemplate(glob: string, text: string, data: string, type: 'text' | 'html' = 'text'): string {
  const run = runTool('amtool', ['template', 'render', `--template.glob=${glob}`, `--template.data=${data}`, `--template.text=${text}`, `--template.type=${type}`]);
  assert.equal(run.status, 0, run.output);
  return run.output;
}

describe('Alertmanager: notifications to people', { skip }, () => {
  const rendered = path.join(tmp, 'alertmanager');

  test('render-config.sh fills every placeholder from the environment; amtool check-config accepts the result', () => {
    const run = renderConfig(sampleEnv, rendered);
    assert.equal(run.status, 0, run.stderr);
    for (const file of ['alertmanager.yml', 'templates/modelwatch.tmpl']) assert.doesNotMatch(read(path.join(rendered, file)), /\$\{MODELWATCH_/, file);
    const config = read(path.join(rendered, 'alertmanager.yml'));
    assert.match(config, /smtp_smarthost: 'smtp\.example\.com:587'/);
    assert.match(config, /to: 'oncall@example\.com, ml-team@example\.com'/);
    const check = runTool('amtool', ['check-config', path.join(rendered, 'alertmanager.yml')]);
    assert.equal(check.status, 0, check.output);
    assert.match(check.output, /1 templates/);
  });

  test('render-config.sh refuses to start with a variable unset, and names it', () => {
    const { MODELWATCH_SMTP_HOST: _unset, ...env } = sampleEnv;
    const run = renderConfig(env, path.join(tmp, 'incomplete'));
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /MODELWATCH_SMTP_HOST is not set/);
    assert.doesNotMatch(run.stderr, /MODELWATCH_SMTP_PORT/);
  });

  test('secrets come from files; server, addresses and URLs are placeholders, nothing site-specific is written in', () => {
    const config = parse(path.join(amDir, 'alertmanager.yml'));
    assert.equal(config.global.smtp_auth_password_file, '/run/secrets/modelwatch_smtp_password');
    assert.equal(config.global.smtp_auth_password, undefined);
    assert.equal(config.global.smtp_smarthost, '${MODELWATCH_SMTP_HOST}:${MODELWATCH_SMTP_PORT}');
    assert.equal(config.global.smtp_from, '${MODELWATCH_ALERT_EMAIL_FROM}');
    for (const receiver of config.receivers.filter((r: { name: string }) => r.name.startsWith('modelwatch-people-'))) {
      for (const chat of receiver.slack_configs) {
        assert.equal(chat.api_url_file, '/run/secrets/modelwatch_chat_webhook_url', receiver.name);
        assert.equal(chat.api_url, undefined, receiver.name);
        assert.equal(chat.send_resolved, true, receiver.name);
      }
      for (const mail of receiver.email_configs ?? []) assert.equal(mail.to, '${MODELWATCH_ALERT_EMAIL_TO}', receiver.name);
    }
  });

  test('routes by severity: every ModelWatch alert to the backend, and critical → mail and chat, warning → chat, info → chat', () => {
    const config = path.join(rendered, 'alertmanager.yml');
    renderConfig(sampleEnv, rendered);
    // The receivers line (amtool also warns that --config.file overrides --alertmanager.url).
    const route = (labels: string[]) =>
      runTool('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels])
        .output.split('\n')
        .find((line) => line && !line.startsWith('Warning:'));
    for (const severity of severities) {
      assert.equal(route(['alertname=ModelWatchCtrDrop', 'model=ctr', 'modelwatch_action=retrain', `severity=${severity}`]), `modelwatch-backend,modelwatch-people-${severity}`);
    }
    const receivers = parse(config).receivers as Array<{ name: string; email_configs?: unknown[]; slack_configs?: unknown[] }>;
    const kinds = (name: string) => ['email_configs', 'slack_configs'].filter((k) => receivers.find((r) => r.name === name)?.[k as 'email_configs']);
    assert.deepEqual(kinds('modelwatch-people-critical'), ['email_configs', 'slack_configs']);
    assert.deepEqual(kinds('modelwatch-people-warning'), ['slack_configs']);
    assert.deepEqual(kinds('modelwatch-people-info'), ['slack_configs']);
    // An unlabelled or unknown severity still reaches people, as a warning.
    assert.equal(route(['alertname=X', 'model=ctr', 'modelwatch_action=none']), 'modelwatch-backend,modelwatch-people-warning');
    assert.equal(route(['alertname=NodeDown', 'severity=critical']), 'default');
  });

  test('the maintenance window mutes every route to people and none to the backend', () => {
    const config = parse(path.join(amDir, 'alertmanager.yml'));
    const intervals = new Set(config.time_intervals.map((t: { name: string }) => t.name));
    assert.deepEqual([...intervals].sort(), ['modelwatch-maintenance', 'modelwatch-working-hours']);
    const backend = config.route.routes.find((r: { receiver: string }) => r.receiver === 'modelwatch-backend');
    assert.equal(backend.mute_time_intervals, undefined);
    const people = config.route.routes.find((r: { receiver: string }) => r.receiver.startsWith('modelwatch-people-'));
    for (const r of [people, ...people.routes]) {
      assert.deepEqual(r.mute_time_intervals, ['modelwatch-maintenance'], r.receiver);
      for (const name of r.active_time_intervals ?? []) assert.ok(intervals.has(name), name);
    }
    assert.deepEqual(people.routes.find((r: { receiver: string }) => r.receiver === 'modelwatch-people-info').active_time_intervals, ['modelwatch-working-hours']);
  });

  test('templates: subject, mail (text and HTML) and chat say what fired, where, the action, and link incident, model page and runbook', () => {
    renderConfig(sampleEnv, rendered);
    const glob = path.join(rendered, 'templates/*.tmpl');
    const firing = notification('firing', 'http://alertmanager:9093');
    const modelPage = 'https://grafana.example.com/a/modelwatch-mlops-app/models/fraud-score';
    const runbook = 'https://git.example.com/modelwatch/-/blob/main/docs/alerting.md#modelwatchdatasetdrift';
    const incidents = 'https://grafana.example.com/a/modelwatch-mlops-app/policies';
    assert.equal(renderTemplate(glob, '{{ template "modelwatch.subject" . }}', firing), '[FIRING:1] CRITICAL ModelWatchDatasetDrift: model fraud-score version v7');
    const text = renderTemplate(glob, '{{ template "modelwatch.email.text" . }}', firing);
    for (const line of ['Model: fraud-score, version v7', 'Severity: critical, since 2026-12-02 01:00:00 UTC', `Runbook: ${runbook}`, `Incident and ModelWatch's decision: ${incidents}`, `Model page: ${modelPage}`]) {
      assert.ok(text.split('\n').includes(line), `${line}\n---\n${text}`);
    }
    assert.match(text, /^ModelWatch action: retrain: ModelWatch starts a retrain job/m);
    const html = renderTemplate(glob, '{{ template "modelwatch.email.html" . }}', firing, 'html');
    assert.ok(html.includes(`<a href="${modelPage}">Model page</a>`), html);
    assert.ok(html.includes(`<a href="${runbook}">`), html);
    const chat = renderTemplate(glob, '{{ template "modelwatch.chat.text" . }}', firing);
    assert.ok(chat.includes(`<${runbook}|Runbook>`) && chat.includes(`<${incidents}|Incident and decision>`) && chat.includes(`<${modelPage}|Model page>`), chat);
    const resolved = notification('resolved', 'http://alertmanager:9093');
    assert.match(renderTemplate(glob, '{{ template "modelwatch.subject" . }}', resolved), /^\[RESOLVED\] CRITICAL /);
    assert.equal(renderTemplate(glob, '{{ template "modelwatch.chat.color" . }}', resolved), 'good');
    // Every action has its own sentence.
    for (const action of ['retrain', 'rollback', 'stop_experiment', 'none']) {
      assert.match(renderTemplate(glob, `{{ template "modelwatch.action" "${action}" }}`, firing), new RegExp(`^${action === 'stop_experiment' ? 'stop the experiment' : action}: `));
    }
  });
});

describe('Grafana alerting provisioning: notifications to people', () => {
  const contactFile = parse(path.join(grafanaDir, 'modelwatch-contact-points.yaml'));
  const policyFile = parse(path.join(grafanaDir, 'modelwatch-notification-policy.yaml'));
  const muteFile = parse(path.join(grafanaDir, 'modelwatch-mute-timings.yaml'));
  const templateFile = parse(path.join(grafanaDir, 'modelwatch-templates.yaml'));

  test('every file has the shape Grafana file provisioning reads (apiVersion 1, orgId, names, uids, settings)', () => {
    for (const file of [contactFile, policyFile, muteFile, templateFile]) assert.equal(file.apiVersion, 1);
    const uids = new Set<string>();
    for (const point of contactFile.contactPoints) {
      assert.equal(point.orgId, 1);
      assert.ok(point.name?.trim(), 'contact point name');
      for (const receiver of point.receivers) {
        assert.match(receiver.uid, /^[a-zA-Z0-9_-]{1,40}$/, 'receiver uid');
        assert.ok(!uids.has(receiver.uid), `${receiver.uid}: unique`);
        uids.add(receiver.uid);
        assert.ok(['webhook', 'email', 'slack'].includes(receiver.type), receiver.type);
        assert.ok(Object.keys(receiver.settings).length > 0, `${receiver.uid}: settings`);
        assert.equal(typeof receiver.disableResolveMessage, 'boolean');
      }
    }
    for (const mute of muteFile.muteTimes) {
      assert.equal(mute.orgId, 1);
      for (const interval of mute.time_intervals) {
        for (const time of interval.times ?? []) assert.match(`${time.start_time}-${time.end_time}`, /^\d\d:\d\d-\d\d:\d\d$/);
      }
    }
    for (const template of templateFile.templates) {
      assert.equal(template.orgId, 1);
      assert.ok(template.name && typeof template.template === 'string');
    }
    assert.equal(policyFile.policies.length, 1, 'one policy tree per organization');
  });

  test('mail and chat: e-mail to MODELWATCH_ALERT_EMAIL_TO, the chat URL from the secret file; no other $ (Grafana would expand it)', () => {
    const receivers = contactFile.contactPoints.flatMap((p: { name: string; receivers: object[] }) => p.receivers.map((r) => ({ point: p.name, ...r }))) as Array<{
      point: string;
      uid: string;
      type: string;
      settings: Record<string, unknown>;
    }>;
    const critical = receivers.filter((r) => r.point === 'ModelWatch people (critical)').map((r) => r.type);
    assert.deepEqual(critical.sort(), ['email', 'slack']);
    assert.deepEqual(receivers.filter((r) => r.point === 'ModelWatch people (chat)').map((r) => r.type), ['slack']);
    const allowed = /\$\{MODELWATCH_[A-Z_]+\}|\$__file\{\/run\/secrets\/[a-z_]+\}/g;
    for (const receiver of receivers) {
      for (const [key, value] of Object.entries(receiver.settings)) {
        if (typeof value === 'string') assert.doesNotMatch(value.replace(allowed, ''), /\$/, `${receiver.uid}.${key}`);
      }
      if (receiver.type === 'email') assert.equal(receiver.settings.addresses, '${MODELWATCH_ALERT_EMAIL_TO}');
      if (receiver.type === 'slack') assert.equal(receiver.settings.url, '$__file{/run/secrets/modelwatch_chat_webhook_url}');
    }
  });

  test('the policy routes ModelWatch alerts by severity to people, muted in the maintenance window; intervals equal Alertmanager\'s', () => {
    const names = new Set(contactFile.contactPoints.map((p: { name: string }) => p.name));
    const intervals = new Map<string, unknown>(muteFile.muteTimes.map((m: { name: string; time_intervals: unknown }) => [m.name, m.time_intervals]));
    const people = policyFile.policies[0].routes.find((r: { receiver: string }) => r.receiver.startsWith('ModelWatch people'));
    assert.ok(people, 'a route to people');
    const bySeverity = new Map<string, any>(people.routes.map((r: { object_matchers: string[][] }) => [r.object_matchers[0]![2], r]));
    assert.deepEqual([...bySeverity.keys()], severities);
    assert.equal(bySeverity.get('critical').receiver, 'ModelWatch people (critical)');
    for (const route of [people, ...people.routes]) {
      assert.ok(names.has(route.receiver), route.receiver);
      assert.deepEqual(route.mute_time_intervals, ['modelwatch-maintenance']);
      for (const name of [...route.mute_time_intervals, ...(route.active_time_intervals ?? [])]) assert.ok(intervals.has(name), name);
    }
    const backend = policyFile.policies[0].routes.find((r: { receiver: string }) => r.receiver === 'ModelWatch backend');
    assert.equal(backend.mute_time_intervals, undefined);
    const alertmanager = parse(path.join(amDir, 'alertmanager.yml'));
    for (const interval of alertmanager.time_intervals) assert.deepEqual(intervals.get(interval.name), interval.time_intervals, interval.name);
  });

  test('templates: every template the settings use is defined; rendered, they say what fired, where, the action and the links', { skip }, () => {
    const source = templateFile.templates.map((t: { template: string }) => t.template).join('\n');
    const glob = path.join(tmp, 'grafana-modelwatch.tmpl');
    fs.writeFileSync(glob, source);
    const defined = new Set([...source.matchAll(/\{\{-? define "([^"]+)" -?\}\}/g)].map((m) => m[1]));
    const chat = contactFile.contactPoints.flatMap((p: { receivers: Array<{ uid: string }> }) => p.receivers).find((r: { uid: string }) => r.uid === 'modelwatch-people-chat').settings;
    for (const point of contactFile.contactPoints) {
      for (const receiver of point.receivers) {
        for (const value of Object.values(receiver.settings).filter((v): v is string => typeof v === 'string')) {
          const local = new Set([...value.matchAll(/\{\{-? define "([^"]+)" -?\}\}/g)].map((m) => m[1]));
          for (const used of value.matchAll(/\{\{ template "([^"]+)"/g)) assert.ok(defined.has(used[1]) || local.has(used[1]), `${receiver.uid}: ${used[1]}`);
        }
      }
    }
    // As Grafana runs the chat text: the setting (env filled in) after the provisioned templates.
    const text = String(chat.text).replace('${MODELWATCH_RUNBOOK_BASE_URL}', sampleEnv.MODELWATCH_RUNBOOK_BASE_URL);
    const data = notification('firing', 'https://grafana.example.com/');
    const out = renderTemplate(glob, text, data);
    for (const line of [
      'Model: fraud-score, version v7',
      'Runbook: https://git.example.com/modelwatch/-/blob/main/docs/alerting.md#modelwatchdatasetdrift',
      "Incident and ModelWatch's decision: https://grafana.example.com/a/modelwatch-mlops-app/policies",
      'Model page: https://grafana.example.com/a/modelwatch-mlops-app/models/fraud-score',
    ]) {
      assert.ok(out.split('\n').includes(line), `${line}\n---\n${out}`);
    }
    assert.match(out, /^ModelWatch action: retrain: /m);
    assert.equal(renderTemplate(glob, String(chat.title), data), '[FIRING:1] CRITICAL ModelWatchDatasetDrift: model fraud-score version v7');
    // One wording of what ModelWatch does, in both.
    const action = (t: string) => /\{\{ define "modelwatch\.action" \}\}[\s\S]*?\{\{- end \}\}\{\{ end \}\}/.exec(t)?.[0];
    assert.ok(action(source));
    assert.equal(action(source), action(read(path.join(amDir, 'templates/modelwatch.tmpl'))));
  });
});
