import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startDaemon, stopDaemon, waitFor, type Daemon } from '../local-stack/alerting-stack.ts';
import { prometheusToolsMissing, tool } from '../local-stack/prometheus-tools.ts';
import { testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { Registry } from 'prom-client';
import { createServingMetrics, PREDICTION_ERROR_TYPES, PREDICTION_LATENCY_BUCKETS } from './serving-metrics.ts';

/**
 * The serving metrics as docs/metrics.md and the overview dashboard query them: predictions
 * through POST /predict, /metrics checked by promtool, scraped by Debian's Prometheus, and the
 * request-rate, p99 (histogram_quantile over the classic buckets) and error-ratio queries
 * evaluated there.
 */
const skip = prometheusToolsMissing();

const P99 = 'histogram_quantile(0.99, sum(rate(modelwatch_prediction_latency_seconds_bucket[5m])) by (le))';
const P99_BY_VERSION = 'histogram_quantile(0.99, sum(rate(modelwatch_prediction_latency_seconds_bucket[5m])) by (le, model, version))';
const REQUEST_RATE = 'sum by (model, version) (rate(modelwatch_prediction_requests_total[5m]))';
const ERROR_RATIO = 'sum(rate(modelwatch_prediction_errors_total[5m])) / sum(rate(modelwatch_prediction_requests_total[5m]))';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One Prometheus scraping only the test server, every second. */
async function startPrometheus(target: string, dir: string): Promise<{ url: string; daemon: Daemon }> {
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: modelwatch\n    static_configs:\n      - targets: ['${target}']\n`);
  const daemon = startDaemon('prometheus', tool('prometheus')!, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus ready', 20_000, async () => (await fetch(`${url}/-/ready`)).ok, () => daemon.output.join(''));
  return { url, daemon };
}

async function query(url: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: Sample[] } };
  assert.equal(body.status, 'success', `${promql}: ${body.error ?? ''}`);
  return body.data.result;
}

const scalarOf = async (url: string, promql: string): Promise<number | undefined> => {
  const [first] = await query(url, promql);
  return first ? Number(first.value[1]) : undefined;
};

/** The value of one exposition line `name{labels} value`, labels in the order prom-client writes them. */
function exposed(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const dialect of testDialects()) {
  describe(`serving metrics in Prometheus on ${dialect}`, { skip }, () => {
    let server: TestServer;
    let prometheus: { url: string; daemon: Daemon };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-prom-histogram-'));
    const predict = (body: unknown) => server.request('POST', '/api/v1/models/ctr/predict', { body });
    const good = (i: number) => ({ features: { price: i, age: 1 } });

    before(async () => {
      server = await startTestServer(dialect);
      await createTestModel(server, 'ctr');
      await registerLogistic(server, 'ctr', [0.02, -0.01], 0.1);
      await registerLogistic(server, 'ctr', [-0.03, 0.02], 0, { version: 'v2' });
      await promote(server, 'ctr', 'v1');
      prometheus = await startPrometheus(new URL(server.url).host, dir);
    });
    after(async () => {
      if (prometheus) await stopDaemon(prometheus.daemon);
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('buckets per model and version with le, counts as served, error types from the enum; the three queries answer in Prometheus', { timeout: 90_000 }, async () => {
      // Every series gets a first sample before the counted traffic, so rate() sees the increase.
      assert.equal((await predict(good(0))).status, 200);
      await promote(server, 'ctr', 'v2');
      assert.equal((await predict(good(0))).status, 200);
      assert.equal((await predict({ features: { price: 'x', age: 1 } })).status, 400);
      await waitFor('the first scrape', 20_000, async () => (await scalarOf(prometheus.url, 'sum(modelwatch_prediction_latency_seconds_count{model="ctr"})')) === 2, () => prometheus.daemon.output.join(''));

      for (let i = 1; i <= 10; i++) assert.equal((await predict(good(i))).status, 200);
      await promote(server, 'ctr', 'v1');
      for (let i = 1; i <= 20; i++) assert.equal((await predict(good(i))).status, 200);
      const batch = await predict({ instances: [{ price: 1, age: 2 }, { price: 3, age: 4 }, { price: 5, age: 6 }] });
      assert.equal(batch.status, 200, batch.text);
      // Refused before scoring: per instance, without a version.
      assert.equal((await predict({ instances: [{ price: 1, age: 2 }, { price: 1 }] })).status, 400);
      assert.equal((await predict({})).status, 400);
      // An unknown model is the caller's text: no series for it.
      assert.equal((await server.request('POST', '/api/v1/models/ghost/predict', { body: good(1) })).status, 404);

      const text = (await server.request('GET', '/metrics', { token: null })).text;
      const check = spawnSync(tool('promtool')!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // One known lint: the monitor's `modelwatch_latency_seconds` is a gauge of rollup-sketch
      // quantiles with a `quantile` label (the shipped p99 rule and dashboards read it; docs/metrics.md).
      const problems = `${check.stdout}${check.stderr}`.split('\n').filter((l) => l.trim() && !/^modelwatch_latency_seconds non-summary metrics should not have "quantile" label$/.test(l.trim()));
      assert.deepEqual(problems, [], `promtool check metrics (exit ${check.status})`);
      assert.ok(check.status === 0 || check.status === 3, `promtool check metrics exit ${check.status}: lint problems only (3), never a parse error`);

      const served = { v1: 1 + 20 + 3, v2: 1 + 10 };
      for (const [version, count] of Object.entries(served)) {
        const labels = `model="ctr",version="${version}"`;
        assert.equal(exposed(text, `modelwatch_prediction_latency_seconds_count{${labels}}`), count);
        assert.equal(exposed(text, `modelwatch_served_predictions_total{${labels}}`), count);
        assert.equal(exposed(text, `modelwatch_prediction_requests_total{${labels},status="ok"}`), count);
        for (const le of [...PREDICTION_LATENCY_BUCKETS.map(String), '+Inf']) {
          assert.notEqual(exposed(text, `modelwatch_prediction_latency_seconds_bucket{le="${le}",${labels}}`), undefined, `bucket le=${le} for ${version}`);
        }
        assert.equal(exposed(text, `modelwatch_prediction_latency_seconds_bucket{le="+Inf",${labels}}`), count);
      }
      assert.equal(exposed(text, 'modelwatch_prediction_errors_total{model="ctr",type="validation"}'), 1 + 2 + 1);
      assert.equal(exposed(text, 'modelwatch_prediction_requests_total{model="ctr",status="error"}'), 4);
      const types = [...text.matchAll(/^modelwatch_prediction_errors_total\{[^}]*type="([^"]*)"/gm)].map((m) => m[1]);
      assert.ok(types.length > 0);
      for (const type of types) assert.ok((PREDICTION_ERROR_TYPES as readonly string[]).includes(type!), `type "${type}" is in the enum`);
      assert.doesNotMatch(text, /model="ghost"/);

      await waitFor('Prometheus to scrape every prediction', 20_000, async () => (await scalarOf(prometheus.url, 'sum(modelwatch_prediction_latency_seconds_count{model="ctr"})')) === served.v1 + served.v2);
      const buckets = await query(prometheus.url, 'modelwatch_prediction_latency_seconds_bucket{model="ctr"}');
      assert.deepEqual(new Set(buckets.map((s) => s.metric.version)), new Set(['v1', 'v2']));
      assert.equal(buckets.length, 2 * (PREDICTION_LATENCY_BUCKETS.length + 1));

      const p99 = await scalarOf(prometheus.url, P99);
      assert.ok(p99 !== undefined && p99 > 0 && p99 <= 10, `p99 ${p99}`);
      const perVersion = await query(prometheus.url, P99_BY_VERSION);
      assert.deepEqual(perVersion.map((s) => s.metric.version).sort(), ['v1', 'v2']);
      for (const s of perVersion) assert.ok(Number(s.value[1]) > 0 && Number(s.value[1]) <= 10, `p99 of ${s.metric.version}: ${s.value[1]}`);

      const rates = await query(prometheus.url, REQUEST_RATE);
      for (const version of ['v1', 'v2']) assert.ok(Number(rates.find((s) => s.metric.version === version)?.value[1]) > 0, `request rate of ${version}`);
      const ratio = await scalarOf(prometheus.url, ERROR_RATIO);
      assert.ok(ratio !== undefined && ratio > 0 && ratio < 1, `error ratio ${ratio}`);
      // The dashboard's `version=~"$version|"`: refused requests (no version) count whichever version is selected.
      const refused = await scalarOf(prometheus.url, 'sum(rate(modelwatch_prediction_errors_total{model="ctr", version=~"v2|"}[5m]))');
      assert.ok(refused !== undefined && refused > 0, `errors without a version under version=~"v2|": ${refused}`);
    });
  });
}

// The runtime failures HTTP cannot provoke with a sound model: counted per prediction, with the version.
test('model_error and non_finite predictions: requests by status, errors by type, latency observed', async () => {
  const registry = new Registry();
  const metrics = createServingMetrics(registry);
  metrics.answered('m', 'v1', 5, 2, 0.003);
  metrics.failed('m', 'v1', 'model_error', 4, 0.02);
  metrics.failed('m', undefined, 'unavailable', 1);
  const text = await registry.metrics();
  assert.equal(exposed(text, 'modelwatch_prediction_requests_total{model="m",version="v1",status="ok"}'), 3);
  assert.equal(exposed(text, 'modelwatch_prediction_requests_total{model="m",version="v1",status="error"}'), 2 + 4);
  assert.equal(exposed(text, 'modelwatch_prediction_requests_total{model="m",status="error"}'), 1);
  assert.equal(exposed(text, 'modelwatch_prediction_errors_total{model="m",version="v1",type="non_finite"}'), 2);
  assert.equal(exposed(text, 'modelwatch_prediction_errors_total{model="m",version="v1",type="model_error"}'), 4);
  assert.equal(exposed(text, 'modelwatch_prediction_errors_total{model="m",type="unavailable"}'), 1);
  assert.equal(exposed(text, 'modelwatch_served_predictions_total{model="m",version="v1"}'), 5);
  assert.equal(exposed(text, 'modelwatch_prediction_latency_seconds_count{model="m",version="v1"}'), 9);
  assert.equal(exposed(text, 'modelwatch_prediction_latency_seconds_bucket{le="0.005",model="m",version="v1"}'), 5);
  assert.equal(exposed(text, 'modelwatch_prediction_latency_seconds_bucket{le="0.025",model="m",version="v1"}'), 9);
});
