import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { prometheusToolsMissing, provisioningDir, runTool } from '../local-stack/prometheus-tools.ts';
import { signatureHeaders, timestampHeaders } from './webhook-auth.ts';

/**
 * The shipped alerting configuration: Prometheus rules and their unit tests (promtool),
 * Alertmanager routing (amtool), and the Grafana-managed copies of the rules, kept equal to
 * the Prometheus ones.
 */

const skip = prometheusToolsMissing();
const prometheusDir = path.join(provisioningDir, 'prometheus');
const rulesDir = path.join(prometheusDir, 'rules');
const ruleFiles = fs.readdirSync(rulesDir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
const testFiles = fs.readdirSync(path.join(prometheusDir, 'tests')).filter((f) => /_test\.ya?ml$/.test(f));

interface PromRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** YAML parser, when the workspace has one (the app plugin's toolchain brings `yaml`). */
async function loadYaml(): Promise<((text: string) => any) | undefined> {
  try {
    const yaml = await import('yaml');
    return (text: string) => yaml.parse(text);
  } catch {
    return undefined;
  }
}

describe('Prometheus rules', { skip }, () => {
  test('promtool check rules is clean', () => {
    assert.ok(ruleFiles.length > 0);
    const run = runTool('promtool', ['check', 'rules', ...ruleFiles.map((f) => path.join('prometheus/rules', f))]);
    assert.equal(run.status, 0, run.output);
    assert.doesNotMatch(run.output, /WARNING|FAILED/, run.output);
  });

  test('promtool check config (prometheus.yml with its rule files) is clean', () => {
    const run = runTool('promtool', ['check', 'config', 'prometheus.yml'], prometheusDir);
    assert.equal(run.status, 0, run.output);
  });

  test('promtool test rules: the unit tests pass', () => {
    assert.ok(testFiles.length > 0);
    const run = runTool('promtool', ['test', 'rules', ...testFiles.map((f) => path.join('tests', f))], prometheusDir);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /SUCCESS/);
  });

  test('every rule has a firing test case, and the labels and annotations ModelWatch needs', () => {
    const rulesText = ruleFiles.map((f) => fs.readFileSync(path.join(rulesDir, f), 'utf8')).join('\n');
    const testsText = testFiles.map((f) => fs.readFileSync(path.join(prometheusDir, 'tests', f), 'utf8')).join('\n');
    const names = [...rulesText.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]!);
    assert.ok(names.length >= 8, `rules found: ${names.join(', ')}`);
    // A firing case is an `alertname:` followed by a non-empty exp_alerts list.
    const firingCases = new Set([...testsText.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels:/g)].map((m) => m[1]!));
    const quietCases = new Set([...testsText.matchAll(/alertname: (\w+)\n\s+exp_alerts: \[\]/g)].map((m) => m[1]!));
    for (const name of names) {
      assert.ok(firingCases.has(name), `${name} has no test case where it fires`);
      assert.ok(quietCases.has(name), `${name} has no test case where it stays quiet`);
    }
  });

  test('rule shape (parsed): labels model/modelwatch_action/severity, annotations summary/description/runbook_url', async (t) => {
    const parse = await loadYaml();
    if (!parse) return t.skip('no YAML parser in this workspace');
    for (const file of ruleFiles) {
      for (const group of parse(fs.readFileSync(path.join(rulesDir, file), 'utf8')).groups) {
        for (const rule of group.rules as PromRule[]) {
          assert.match(rule.labels.modelwatch_action ?? '', /^(retrain|rollback|stop_experiment|none)$/, rule.alert);
          assert.match(rule.labels.severity ?? '', /^(critical|warning|info)$/, rule.alert);
          // `model` comes from the series: kept by the aggregation, or the selector keeps every label.
          assert.ok(/by \([^)]*\bmodel\b/.test(rule.expr) || !/\b(by|without|sum|max|min|avg)\b/.test(rule.expr), `${rule.alert}: keeps "model"`);
          for (const key of ['summary', 'description', 'runbook_url']) assert.ok(rule.annotations[key], `${rule.alert}: ${key}`);
          // A rule that rolls back acts only on volume; its label states the N its expression uses.
          if (rule.labels.modelwatch_action === 'rollback') assert.ok(rule.labels.min_requests, `${rule.alert}: a rollback rule needs min_requests`);
          if (rule.labels.min_requests !== undefined) {
            const n = /\(sum by \(model, version\) \(modelwatch_kpi_value\{kpi="requests_per_second"\}\) \* 300 >= (\d+)\)/.exec(rule.expr)?.[1];
            assert.equal(n, rule.labels.min_requests, `${rule.alert}: the min_requests label and the expression's volume condition agree`);
          }
        }
      }
    }
  });
});

describe('Alertmanager configuration', { skip }, () => {
  const config = 'alertmanager/alertmanager.yml';

  test('amtool check-config is clean', () => {
    const run = runTool('amtool', ['check-config', config]);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /SUCCESS/);
  });

  test('ModelWatch alerts route to the backend webhook, others do not', () => {
    const route = (labels: string[]) => runTool('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels]).output;
    for (const action of ['retrain', 'rollback', 'stop_experiment', 'none']) {
      assert.match(route(['alertname=ModelWatchCtrDrop', 'model=ctr', `modelwatch_action=${action}`]), /^modelwatch-backend(,|$)/m);
    }
    assert.match(route(['alertname=NodeDown']), /^default$/m);
    const text = fs.readFileSync(path.join(provisioningDir, config), 'utf8');
    assert.match(text, /url: http:\/\/backend:8080\/api\/v1\/webhooks\/alertmanager/);
    assert.match(text, /send_resolved: true/);
  });
});

describe('Grafana alerting provisioning', () => {
  const dir = path.join(provisioningDir, 'grafana/alerting');

  test('the Grafana-managed rules are the Prometheus rules', async (t) => {
    const parse = await loadYaml();
    if (!parse) return t.skip('no YAML parser in this workspace');
    const promRules: PromRule[] = ruleFiles.flatMap((file) =>
      parse(fs.readFileSync(path.join(rulesDir, file), 'utf8')).groups.flatMap((g: { rules: PromRule[] }) => g.rules),
    );
    const grafana = parse(fs.readFileSync(path.join(dir, 'modelwatch-rules.yaml'), 'utf8'));
    const grafanaRules = new Map<string, any>();
    for (const group of grafana.groups) {
      assert.equal(group.folder, 'ModelWatch');
      for (const rule of group.rules) grafanaRules.set(rule.title, rule);
    }
    assert.deepEqual([...grafanaRules.keys()].sort(), promRules.map((r) => r.alert).sort());
    const uids = new Set<string>();
    for (const prom of promRules) {
      const rule = grafanaRules.get(prom.alert);
      uids.add(rule.uid);
      assert.ok(rule.uid.length <= 40, `${rule.uid}: Grafana rule uids are at most 40 characters`);
      const query = rule.data.find((d: { refId: string }) => d.refId === 'A');
      const condition = rule.data.find((d: { refId: string }) => d.refId === rule.condition);
      assert.equal(query.datasourceUid, 'prometheus', prom.alert);
      assert.equal(query.model.instant, true, prom.alert);
      assert.equal(condition.datasourceUid, '__expr__', prom.alert);
      assert.equal(condition.model.type, 'math', prom.alert);
      const comparison = String(condition.model.expression).replace(/^\$A /, '');
      assert.equal(`${query.model.expr} ${comparison}`, prom.expr, `${prom.alert}: same query and threshold`);
      assert.equal(rule.for, prom.for, prom.alert);
      assert.deepEqual(rule.labels, prom.labels, prom.alert);
      assert.deepEqual(Object.keys(rule.annotations).sort(), Object.keys(prom.annotations).sort(), prom.alert);
      assert.equal(rule.noDataState, 'OK', `${prom.alert}: no data is not an alert`);
    }
    assert.equal(uids.size, promRules.length, 'rule uids are unique');
  });

  test('the contact point signs with the headers the backend verifies; the policy routes to it', async (t) => {
    const parse = await loadYaml();
    if (!parse) return t.skip('no YAML parser in this workspace');
    const contact = parse(fs.readFileSync(path.join(dir, 'modelwatch-contact-points.yaml'), 'utf8'));
    const receiver = contact.contactPoints[0].receivers[0];
    assert.equal(receiver.type, 'webhook');
    assert.equal(receiver.disableResolveMessage, false);
    assert.match(receiver.settings.url, /\/api\/v1\/webhooks\/grafana$/);
    assert.ok((signatureHeaders as readonly string[]).includes(receiver.settings.hmacConfig.header.toLowerCase()));
    assert.ok((timestampHeaders as readonly string[]).includes(receiver.settings.hmacConfig.timestampHeader.toLowerCase()));
    assert.equal(receiver.settings.hmacConfig.secret, '${MODELWATCH_WEBHOOK_SECRET}');
    const policy = parse(fs.readFileSync(path.join(dir, 'modelwatch-notification-policy.yaml'), 'utf8')).policies[0];
    const route = policy.routes.find((r: { receiver: string }) => r.receiver === contact.contactPoints[0].name);
    assert.ok(route, 'a route sends to the ModelWatch contact point');
    assert.deepEqual(route.object_matchers, [['modelwatch_action', '=~', 'retrain|rollback|stop_experiment|none']]);
  });
});
