import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARDS } from './index.ts';
import { APP_PLUGIN_DIR, staleDashboards, writeDashboards } from './generate.ts';
import { APP_PROXY_BASE } from './links.ts';
import { ACTION_PANEL_TYPES, parseQueryModel, rawPathVariables, referencedVariables, validateDashboard, type QueryModel } from './validate.ts';

const PLUGIN_TYPES = new URL('../../datasource-plugin/src/types.ts', import.meta.url);
const queryModel: QueryModel = parseQueryModel(await readFile(PLUGIN_TYPES, 'utf8'));
const SCHEMA_VERSION = defaultDashboard().schemaVersion;

type Json = Record<string, any>;
const committed = async (file: string): Promise<Json> => JSON.parse(await readFile(join(APP_PLUGIN_DIR, file), 'utf8'));
const panelsOf = (d: Json): Json[] => (d.panels as Json[]).filter((p) => p.type !== 'row');
const byTitle = (d: Json, title: string): Json => {
  const panel = panelsOf(d).find((p) => p.title === title);
  assert.ok(panel, `panel "${title}" exists`);
  return panel;
};

describe('generated dashboards', () => {
  test('regenerating into a temp dir gives exactly the committed JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelwatch-dashboards-'));
    try {
      await writeDashboards(dir);
      for (const { file } of DASHBOARDS) {
        const fresh = await readFile(join(dir, file), 'utf8');
        const current = await readFile(join(APP_PLUGIN_DIR, file), 'utf8').catch(() => '');
        assert.equal(current, fresh, `app-plugin/src/dashboards/${file} is out of date: run npm run generate -w dashboards`);
      }
      assert.deepEqual((await readdir(dir)).sort(), DASHBOARDS.map((d) => d.file).sort());
      assert.deepEqual(await staleDashboards(APP_PLUGIN_DIR), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('uids are the stable, unique ones', () => {
    assert.deepEqual(
      DASHBOARDS.map((d) => d.uid),
      ['modelwatch-model-overview', 'modelwatch-drift', 'modelwatch-experiments'],
    );
  });

  for (const definition of DASHBOARDS) {
    test(`${definition.file} is structurally sound`, async () => {
      const problems = validateDashboard(await committed(definition.file), {
        uid: definition.uid,
        variables: definition.variables,
        schemaVersion: SCHEMA_VERSION,
        queryModel,
      });
      assert.deepEqual(problems, []);
    });
  }
});

describe('validation catches what it should', () => {
  const base = async () => committed('model-overview.json');
  const expect = { uid: 'modelwatch-model-overview', variables: ['model', 'version'], schemaVersion: SCHEMA_VERSION, queryModel };

  test('an unknown datasource uid, a panel without targets, a missing variable', async () => {
    const d = await base();
    panelsOf(d)[0]!.datasource = { type: 'prometheus', uid: 'prom' };
    panelsOf(d)[1]!.targets = [];
    d.templating.list = d.templating.list.filter((v: Json) => v.name !== 'version');
    const problems = validateDashboard(d, expect).join('\n');
    assert.match(problems, /datasource uid "prom" is not provisioned/);
    assert.match(problems, /no targets/);
    assert.match(problems, /template variable "version" missing/);
    assert.match(problems, /undefined variable "\$version"/);
  });

  test('a ModelWatch query field or type the plugin does not have', async () => {
    const d = await base();
    const target = byTitle(d, 'CTR').targets[0];
    target.kpiName = 'ctr';
    target.queryType = 'kpis';
    const problems = validateDashboard(d, expect).join('\n');
    assert.match(problems, /"kpiName" is not a field/);
    assert.match(problems, /queryType "kpis"/);
  });

  test('actions on a panel type that does not render them, and unencoded path variables', async () => {
    const d = await base();
    const panel = panelsOf(d).find((p) => p.fieldConfig?.defaults?.actions?.length);
    assert.ok(panel, 'a panel with actions');
    panel.type = 'stat';
    panel.fieldConfig.defaults.actions[0].fetch.url = `${APP_PROXY_BASE}/admin/api/v1/models/$model/actions/promote?x=$model`;
    panel.fieldConfig.defaults.actions[1].style = { backgroundColor: 'red' };
    const problems = validateDashboard(d, expect).join('\n');
    assert.match(problems, /action "Roll back" has backgroundColor "red"/);
    assert.match(problems, /has actions, which Grafana does not render on a "stat" panel/);
    assert.match(problems, /puts \$model in the URL path unencoded/);
    assert.deepEqual(rawPathVariables('/a/${model:percentencode}/b/${x}/$y?q=$z&t=$__from'), ['x', 'y']);
  });

  test('overlapping panels', async () => {
    const d = await base();
    panelsOf(d)[1]!.gridPos = { ...panelsOf(d)[0]!.gridPos };
    assert.match(validateDashboard(d, expect).join('\n'), /overlaps/);
  });

  test('variable references', () => {
    assert.deepEqual(referencedVariables('a $model ${version} ${feature:csv} [[x]] $__rate_interval'), [
      'model',
      'version',
      'feature',
      'x',
      '__rate_interval',
    ]);
  });
});

describe('model overview', async () => {
  const d = await committed('model-overview.json');

  test('health score from Prometheus; Promote and Roll back actions on the health table, through the app proxy', () => {
    const health = byTitle(d, 'Health score');
    assert.equal(health.type, 'stat');
    assert.equal(health.targets[0].expr, 'modelwatch_health_score{model="$model"}');
    const why = byTitle(d, 'Why');
    assert.ok(ACTION_PANEL_TYPES.includes(why.type), `actions need a panel type Grafana renders them on, not ${why.type}`);
    const actions = why.fieldConfig.defaults.actions as Json[];
    assert.deepEqual(
      actions.map((a) => [a.type, a.fetch.method, a.fetch.url]),
      [
        ['fetch', 'POST', `${APP_PROXY_BASE}/admin/api/v1/models/\${model:percentencode}/actions/promote`],
        ['fetch', 'POST', `${APP_PROXY_BASE}/admin/api/v1/models/\${model:percentencode}/actions/rollback`],
      ],
    );
    assert.deepEqual(JSON.parse(actions[1]!.fetch.body), { reason: 'rolled back from dashboard' });
    assert.ok(actions.every((a) => typeof a.confirmation === 'string' && a.oneClick === false));
  });

  test('KPI panels query ModelWatch with units', () => {
    const kpis = (title: string) => byTitle(d, title).targets.map((t: Json) => t.kpi);
    assert.deepEqual(kpis('CTR'), ['ctr']);
    assert.deepEqual(kpis('CVR'), ['cvr']);
    assert.deepEqual(kpis('Latency p50 / p90 / p99'), ['latency_p50', 'latency_p90', 'latency_p99']);
    assert.deepEqual(kpis('Error rate'), ['error_rate']);
    assert.deepEqual(kpis('Requests'), ['requests']);
    assert.equal(byTitle(d, 'CTR').fieldConfig.defaults.unit, 'percentunit');
    assert.equal(byTitle(d, 'CVR').fieldConfig.defaults.unit, 'percentunit');
    assert.equal(byTitle(d, 'Latency p50 / p90 / p99').fieldConfig.defaults.unit, 'ms');
  });

  test('serving panels from Prometheus: request rate, p99 from the histogram buckets, error ratio', () => {
    const m = 'model="$model", version=~"$version"';
    const any = 'model="$model", version=~"$version|"';
    const panel = (title: string) => {
      const p = byTitle(d, title);
      assert.equal(p.type, 'timeseries');
      assert.ok(p.targets.every((t: Json) => t.datasource.type === 'prometheus'));
      return [p.targets.map((t: Json) => t.expr), p.fieldConfig.defaults.unit];
    };
    assert.deepEqual(panel('Request rate'), [[`sum by (version, status) (rate(modelwatch_prediction_requests_total{${any}}[5m]))`], 'reqps']);
    assert.deepEqual(panel('p99 latency'), [
      [
        `histogram_quantile(0.99, sum(rate(modelwatch_prediction_latency_seconds_bucket{${m}}[5m])) by (le))`,
        `histogram_quantile(0.99, sum(rate(modelwatch_prediction_latency_seconds_bucket{${m}}[5m])) by (le, version))`,
      ],
      's',
    ]);
    assert.deepEqual(panel('Error ratio'), [
      [`sum(rate(modelwatch_prediction_errors_total{${any}}[5m])) / sum(rate(modelwatch_prediction_requests_total{${any}}[5m]))`],
      'percentunit',
    ]);
  });

  test('links to the app page of the model', () => {
    const url = '/a/modelwatch-mlops-app/models/${model:percentencode}';
    assert.ok(byTitle(d, 'CTR').links.some((l: Json) => l.url === url));
    assert.ok(byTitle(d, 'CTR').fieldConfig.defaults.links.some((l: Json) => l.url === url));
    assert.ok(d.links.some((l: Json) => l.url === url));
  });

  test('audit annotations: deployments, rollbacks, retrains, alerts', () => {
    const list = d.annotations.list as Json[];
    assert.deepEqual(
      list.map((a) => [a.name, a.datasource.uid, a.target.queryType, a.target.auditType]),
      [
        ['Deployments', 'modelwatch', 'audit', 'promote'],
        ['Rollbacks', 'modelwatch', 'audit', 'rollback'],
        ['Retrains', 'modelwatch', 'audit', 'retrain'],
        ['Alerts', 'modelwatch', 'audit', 'alert.decision'],
      ],
    );
  });

  test('model variable lists models from the ModelWatch datasource', () => {
    const model = d.templating.list.find((v: Json) => v.name === 'model');
    assert.deepEqual([model.datasource.uid, model.query.kind], ['modelwatch', 'models']);
  });
});

describe('drift and experiments', async () => {
  const drift = await committed('drift.json');
  const experiments = await committed('experiments.json');

  test('drift: per-feature ModelWatch drift, drift share and drifted count from Prometheus', () => {
    assert.equal(byTitle(drift, 'Feature drift scores').targets[0].queryType, 'drift');
    assert.match(byTitle(drift, 'Dataset drift share over time').targets[0].expr, /^modelwatch_dataset_drift_share\{/);
    assert.match(byTitle(drift, 'Drifted features').targets[0].expr, /modelwatch_feature_drifted/);
  });

  test('experiments: lift with CI, p-value, chance to win, SRM, decision', () => {
    const fields = byTitle(experiments, 'Results per arm').targets.map((t: Json) => t.experimentField);
    assert.deepEqual(fields, ['ci', 'pValue', 'chanceToWin']);
    const exprs = panelsOf(experiments).flatMap((p) => p.targets.map((t: Json) => t.expr ?? ''));
    for (const metric of ['lift', 'p_value', 'chance_to_win', 'srm_p_value', 'decision']) {
      assert.ok(exprs.some((e: string) => e.includes(`modelwatch_experiment_${metric}{`)), metric);
    }
  });
});

describe('Prometheus queries', async () => {
  const dashboards = await Promise.all(DASHBOARDS.map((d) => committed(d.file)));
  const exprs = dashboards.flatMap((d) => panelsOf(d).flatMap((p) => p.targets.map((t: Json) => t.expr).filter(Boolean))) as string[];

  test('use only the metric names documented in docs/metrics.md', async () => {
    const interfaces = await readFile(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    const known = new Set(interfaces.match(/modelwatch_[a-z_]+/g));
    const used = new Set(exprs.flatMap((e) => e.match(/modelwatch_[a-z_]+/g) ?? []));
    assert.deepEqual([...used].filter((m) => !known.has(m)), []);
  });

  let promtool = false;
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    promtool = true;
  } catch {
    // Debian's prometheus package brings promtool; CI may not have it.
  }
  test('parse as PromQL (promtool check rules)', { skip: !promtool && 'promtool not installed' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelwatch-promql-'));
    try {
      // Grafana's variables replaced by values of the right shape.
      const concrete = (e: string) =>
        e.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\{?([A-Za-z_]+)\}?/g, 'x');
      const rules = exprs.map((e, i) => `      - record: dashboard_expr_${i}\n        expr: ${JSON.stringify(concrete(e))}`);
      const file = join(dir, 'rules.yml');
      await writeFile(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
      execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
