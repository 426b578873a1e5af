/**
 * End to end over HTTP: a reference profile, an unshifted and a shifted traffic window,
 * outcomes; drift flags the shifted feature in the shifted window only, KPIs match counts
 * computed by hand, /metrics shows the drift gauges. Plus malformed input → 4xx naming
 * the field, and the stateless drift endpoint against SciPy's numbers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { normal, rng } from '../../monitor/testdata/random.ts';
import { testDialects } from '../../testing/databases.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

const M = 60_000;
const H = 3_600_000;
const CATEGORIES = ['a', 'b', 'c'];

function draw(seed: number, n: number, priceShift: number) {
  const u = rng(seed);
  const z = normal(u);
  return Array.from({ length: n }, () => ({
    price: Math.round((50 + priceShift + 10 * z()) * 100) / 100,
    age: Math.round(35 + 8 * z()),
    category: CATEGORIES[u() < 0.5 ? 0 : u() < 0.6 ? 1 : 2],
  }));
}

/** 1,000 predictions over 10 minutes from `start`, arms A/B alternating, with known outcomes. */
function windowRecords(prefix: string, start: number, seed: number, priceShift: number) {
  return draw(seed, 1000, priceShift).map((features, i) => ({
    id: `${prefix}-${i}`,
    ts: start + Math.floor(i / 100) * M + (i % 100) * 100,
    version: 'v1',
    arm: i % 2 === 0 ? 'A' : 'B',
    features,
    score: (i % 10) / 10,
    latencyMs: 20 + (i % 50),
    error: i % 20 === 0,
  }));
}

/** Every prediction shown; A clicked at every 10th record, B at every 8th of its own. */
function outcomesFor(records: ReturnType<typeof windowRecords>) {
  return records.map((r, i) => {
    const k = Math.floor(i / 2);
    const clicked = r.arm === 'A' ? k % 10 === 0 : k % 8 === 0;
    return { id: r.id, impression: true, click: clicked };
  });
}

for (const dialect of testDialects()) {
  describe(`monitoring API end to end on ${dialect}`, () => {
    let server: TestServer;
    const now = Date.now();
    // Windows start at multiples of 10 minutes, so 5- and 10-minute steps align with them.
    const unshiftedStart = Math.floor((now - 3 * H) / (10 * M)) * 10 * M;
    const shiftedStart = Math.floor((now - 30 * M) / (10 * M)) * 10 * M;
    before(async () => {
      server = await startTestServer(dialect);
      const created = await server.request('POST', '/api/v1/models', {
        body: {
          name: 'shop',
          features: [
            { name: 'price', type: 'numeric' },
            { name: 'age', type: 'numeric' },
            { name: 'category', type: 'categorical' },
          ],
        },
      });
      assert.equal(created.status, 201);
    });
    after(() => server.close());

    test('profile, ingest, drift, KPIs and /metrics', async () => {
      const profile = await server.request('POST', '/api/v1/models/shop/versions/v1/profile', { body: { rows: draw(1, 2000, 0) } });
      assert.equal(profile.status, 201, profile.text);
      assert.equal(profile.body.rows, 2000);

      const unshifted = windowRecords('u', unshiftedStart, 2, 0);
      const shifted = windowRecords('s', shiftedStart, 3, 8); // price +0.8 σ
      for (const records of [unshifted, shifted]) {
        const ingested = await server.request('POST', '/api/v1/models/shop/predictions', { body: { records } });
        assert.deepEqual(ingested.body, { accepted: 1000, rejected: [], pending: 0, pendingIndexes: [], bucketed: 0, bucketedIndexes: [] });
      }
      await server.ctx.monitor.flush();
      // Outcomes an hour and more after their predictions, half as NDJSON.
      const outcomes = outcomesFor(unshifted);
      const ndjson = outcomes.slice(0, 500).map((o) => JSON.stringify(o)).join('\n');
      const first = await server.request('POST', '/api/v1/models/shop/outcomes', { rawBody: ndjson, headers: { 'content-type': 'application/x-ndjson' } });
      assert.deepEqual(first.body, { accepted: 500, rejected: [], pending: 0, pendingIndexes: [], bucketed: 0, bucketedIndexes: [] });
      const second = await server.request('POST', '/api/v1/models/shop/outcomes', { body: { records: outcomes.slice(500) } });
      assert.deepEqual(second.body, { accepted: 500, rejected: [], pending: 0, pendingIndexes: [], bucketed: 0, bucketedIndexes: [] });
      await server.request('POST', '/api/v1/models/shop/outcomes', { body: { records: outcomesFor(shifted) } });

      // Drift: the shifted window flags price only; the unshifted one flags nothing.
      const driftOf = async (start: number) => {
        const r = await server.request('GET', `/api/v1/models/shop/drift?from=${start}&to=${start + 10 * M}`);
        assert.equal(r.status, 200, r.text);
        return r.body.versions[0].windows[0];
      };
      const calm = await driftOf(unshiftedStart);
      assert.equal(calm.count, 1000);
      assert.deepEqual(calm.driftedFeatures, []);
      assert.equal(calm.datasetDrifted, false);
      for (const f of calm.features) assert.ok(f.adjustedPValue > 0.05, `${f.feature} p=${f.adjustedPValue}`);
      const shiftedDrift = await driftOf(shiftedStart);
      assert.deepEqual(shiftedDrift.driftedFeatures, ['price']);
      const price = shiftedDrift.features.find((f: { feature: string }) => f.feature === 'price');
      assert.equal(price.method, 'ks');
      assert.ok(price.score > 0.2 && price.adjustedPValue < 1e-6, JSON.stringify(price));
      assert.equal(shiftedDrift.driftShare, 1 / 3);

      // A time series of windows, and explicit methods.
      const series = await server.request('GET', `/api/v1/models/shop/drift?from=${shiftedStart}&to=${shiftedStart + 10 * M}&step=5m&method=psi,wasserstein&feature=price`);
      assert.equal(series.status, 200, series.text);
      const windows = series.body.versions[0].windows;
      assert.equal(windows.length, 2);
      for (const w of windows) {
        assert.deepEqual(w.features.map((f: { method: string }) => f.method), ['psi', 'wasserstein']);
        assert.ok(w.features.every((f: { drifted: boolean }) => f.drifted));
      }

      // KPIs: counts by hand. A: clicks at k % 10 == 0 for k = 0..499 → 50 of 500;
      // B: k % 8 == 0 → 63 of 500. Errors: every 20th record → 50 of 1000, all in arm A.
      const kpis = await server.request('GET', `/api/v1/models/shop/kpis?from=${unshiftedStart}&to=${unshiftedStart + 10 * M}&step=10m&kpi=ctr,error_rate,requests,latency_p99`);
      assert.equal(kpis.status, 200, kpis.text);
      const get = (kpi: string, arm: string) => kpis.body.series.find((s: { kpi: string; arm: string }) => s.kpi === kpi && s.arm === arm);
      assert.deepEqual(get('ctr', 'A').counts, [[50, 500]]);
      assert.equal(get('ctr', 'A').points[0][1], 0.1);
      assert.equal(get('ctr', 'B').points[0][1], 63 / 500);
      assert.deepEqual(get('error_rate', 'A').counts[0], [50, 500]);
      assert.deepEqual(get('error_rate', 'B').counts[0], [0, 500]);
      assert.deepEqual(get('requests', 'A').points, [[unshiftedStart, 500]]);
      // Arm A's latencies: 20, 22, …, 68 ms, 20 times each: the exact p99 is 68; the sketch is within 1%.
      assert.ok(Math.abs(get('latency_p99', 'A').points[0][1] - 68) <= 0.68, JSON.stringify(get('latency_p99', 'A').points[0]));
      // Over hours (hour rollups), merged over arms: all 2,000 requests, all clicks.
      const hourly = await server.request('GET', `/api/v1/models/shop/kpis?from=${now - 4 * H}&to=${now}&step=1h&kpi=requests,ctr&by=version`);
      const requests = hourly.body.series.find((s: { kpi: string }) => s.kpi === 'requests');
      assert.equal(requests.points.reduce((s: number, p: [number, number | null]) => s + (p[1] ?? 0), 0), 2000);
      const ctr = hourly.body.series.find((s: { kpi: string }) => s.kpi === 'ctr');
      const clicks = ctr.counts.reduce((s: number, c: [number, number]) => s + c[0], 0);
      assert.equal(clicks, 2 * (50 + 63));

      // /metrics: drift over the last hour (the shifted window) as gauges.
      const metrics = await server.request('GET', '/metrics');
      assert.match(metrics.text, /modelwatch_feature_drifted\{model="shop",version="v1",feature="price"\} 1/);
      assert.match(metrics.text, /modelwatch_feature_drifted\{model="shop",version="v1",feature="age"\} 0/);
      assert.match(metrics.text, /modelwatch_feature_drift_score\{model="shop",version="v1",feature="price",method="ks"\} 0\.\d+/);
      assert.match(metrics.text, /modelwatch_dataset_drift_share\{model="shop",version="v1"\} 0\.333/);
      assert.match(metrics.text, /modelwatch_health_status\{model="shop",status="ok"\} 1/);
      assert.match(metrics.text, /modelwatch_ingested_records_total\{model="shop",kind="prediction"\} 2000/);
      assert.match(metrics.text, /modelwatch_predictions_total\{model="shop",version="v1"\} 2000/);

      const health = await server.request('GET', '/api/v1/models/shop/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      assert.equal(health.body.score, 1);

      const got = await server.request('GET', '/api/v1/models/shop/versions/v1/profile');
      assert.equal(got.status, 200);
      assert.equal(got.body.profile.features.length, 3);
      const listed = await server.request('GET', '/api/v1/models/shop/profiles');
      assert.deepEqual(listed.body.profiles.map((p: { version: string }) => p.version), ['v1']);
    });

    test('malformed records are rejected one by one, naming the field', async () => {
      const base = { ts: now - M, version: 'v1', features: { price: 10, age: 3, category: 'a' } };
      const response = await server.request('POST', '/api/v1/models/shop/predictions', {
        body: {
          records: [
            { ...base, id: 'ok-1' },
            { ...base, id: 'bad-1', features: { price: 'NaN' } },
            { ...base, id: 'bad-2', features: { price: 'Infinity' } },
            { ...base, id: 'bad-3', features: { age: '12' } },
            { ...base, id: 'bad-4', features: { category: [1] } },
            { ...base, id: 'bad-5', score: 'high' },
            { ...base, id: 'bad-6', version: '' },
            { ...base, id: 'bad-7', ts: 1_700_000_000 },
            { ...base, id: 'ok-1' },
          ],
        },
      });
      assert.equal(response.status, 200);
      assert.equal(response.body.accepted, 1);
      assert.deepEqual(response.body.rejected, [
        { index: 1, error: 'features.price: expected a finite number, got string "NaN"' },
        { index: 2, error: 'features.price: expected a finite number, got string "Infinity"' },
        { index: 3, error: 'features.age: expected a finite number, got string "12"' },
        { index: 4, error: 'features.category: expected a string, number or boolean, got an array' },
        { index: 5, error: 'score: expected a finite number or null, got string "high"' },
        { index: 6, error: 'version: required, a non-empty string of at most 128 characters' },
        { index: 7, error: 'ts: 1700000000 is before 2000-01-01; send epoch milliseconds (not seconds) or an RFC 3339 time' },
        { index: 8, error: 'id: "ok-1" appears more than once in this batch; prediction ids are unique per model' },
      ]);
      // NaN as a bare token is not JSON: NDJSON rejects that line only, JSON the whole body.
      const nd = await server.request('POST', '/api/v1/models/shop/predictions', {
        rawBody: `${JSON.stringify({ ...base, id: 'nd-1' })}\n{"id":"nd-2","version":"v1","features":{"price":NaN}}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(nd.body.accepted, 1);
      assert.equal(nd.body.rejected[0].index, 1);
      assert.match(nd.body.rejected[0].error, /^line 2: not valid JSON/);
      const json = await server.request('POST', '/api/v1/models/shop/predictions', {
        rawBody: '{"records":[{"id":"j","version":"v1","features":{"price":NaN}}]}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(json.status, 400);
      assert.match(json.body.error.message, /^body: not valid JSON/);
    });

    test('whole-request errors are 4xx with the parameter named', async () => {
      const cases: Array<[string, string, unknown, number, RegExp]> = [
        ['POST', '/api/v1/models/ghost/predictions', { records: [] }, 404, /model "ghost" not found/],
        ['POST', '/api/v1/models/shop/predictions', { rows: [] }, 400, /^body: /],
        ['POST', '/api/v1/models/shop/predictions', { records: new Array(10_001).fill({}) }, 413, /send at most 10,000 per request/],
        ['POST', '/api/v1/models/shop/outcomes', undefined, 400, /^body: /],
        ['GET', '/api/v1/models/shop/kpis?kpi=ctr,bogus', undefined, 400, /^query\.kpi\[1\]: /],
        ['GET', '/api/v1/models/shop/kpis?step=soon', undefined, 400, /^query\.step: expected a positive duration/],
        ['GET', '/api/v1/models/shop/kpis?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', undefined, 400, /^query\.from must be at least a minute before query\.to/],
        ['GET', '/api/v1/models/shop/kpis?from=yesterday', undefined, 400, /^query\.from: expected an RFC 3339 time/],
        ['GET', '/api/v1/models/shop/kpis?from=0&step=1m', undefined, 400, /^query\.step: 60s over this range gives \d+ windows/],
        ['GET', '/api/v1/models/shop/drift?method=bogus', undefined, 400, /^query\.method\[0\]: /],
        ['GET', '/api/v1/models/shop/drift?version=v1&feature=nope', undefined, 400, /^query\.feature: "nope" is not in the reference profile of version "v1"/],
        ['GET', '/api/v1/models/shop/versions/v7/profile', undefined, 404, /no reference profile for version "v7"/],
        ['POST', '/api/v1/models/shop/versions/v7/profile', { from: 'x', to: 1 }, 400, /^body/],
        ['POST', '/api/v1/models/shop/versions/v7/profile', { rows: [{ price: 'x' }] }, 400, /feature 'price', row 0: expected a finite number/],
        ['POST', '/api/v1/models/shop/versions/v7/profile', { profile: { format: 1, rows: 1, features: [{ name: 'price', type: 'numeric', edges: [2, 1], counts: [0, 0, 0, 0], total: 0, mean: 0, std: 0, min: 0, max: 0 }] } }, 400, /body\.profile\.features\[0\]\.edges\[1\]: edges must be in non-decreasing order/],
        ['POST', '/api/v1/models/shop/versions/v7/profile', { from: now - H, to: now }, 400, /no predictions of version "v7" between/],
        ['POST', '/api/v1/stats/drift', { reference: { x: [1, 2, 3] }, current: { x: [1, 'NaN'] }, featureTypes: { x: 'numeric' } }, 400, /feature 'x', current\[1\]: expected a finite number/],
      ];
      for (const [method, url, body, status, message] of cases) {
        const response = await server.request(method, url, body === undefined ? {} : { body });
        assert.equal(response.status, status, `${method} ${url} → ${response.status} ${response.text.slice(0, 300)}`);
        assert.match(response.body.error.message, message, `${method} ${url}`);
      }
    });

    test('POST /stats/drift agrees with SciPy (ks_2samp, wasserstein_distance)', async () => {
      const fixtures = JSON.parse(readFileSync(new URL('../../stats/testdata/drift-fixtures.json', import.meta.url), 'utf8')) as {
        samples: Array<{ name: string; a: { values?: number[] }; b: { values?: number[] }; statistic: number; pvalue: number; wasserstein: number }>;
      };
      const sample = fixtures.samples.find((s) => s.a.values && s.b.values)!;
      const response = await server.request('POST', '/api/v1/stats/drift', {
        body: { reference: { x: sample.a.values }, current: { x: sample.b.values }, methods: ['ks', 'wasserstein'] },
      });
      assert.equal(response.status, 200, response.text);
      const [ks, w] = response.body.features[0].results;
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
      assert.ok(close(ks.score, sample.statistic), `${ks.score} vs ${sample.statistic}`);
      assert.ok(close(ks.pValue, sample.pvalue), `${ks.pValue} vs ${sample.pvalue}`);
      assert.ok(close(w.distance, sample.wasserstein), `${w.distance} vs ${sample.wasserstein}`);
      assert.equal(typeof response.body.driftShare, 'number');
    });
  });
}
