/**
 * Data quality end to end over HTTP (issue 19): a reference profile, then traffic with missing,
 * out-of-range, unseen and wrongly typed values → GET /data-quality's rates, mean shift and
 * freshness equal those computed from the sent records, before and after the flush, and rows
 * written before migration 0105 (no feature stats) still read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { maxOf } from '../../core/arrays.ts';
import { testDialects } from '../../testing/databases.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

const M = 60_000;
const N = 400;

/** x uniform on 0..100, c alternating a/b. */
const referenceRows = Array.from({ length: 1000 }, (_, i) => ({ x: i % 101, c: i % 2 === 0 ? 'a' : 'b' }));

/** x: every 10th missing, then one above and one below the range; c: every 5th unseen. */
function xOf(i: number): number | null {
  if (i % 10 === 0) return null;
  if (i % 10 === 1) return 500;
  if (i % 10 === 2) return -5;
  return (i * 7) % 101;
}

for (const dialect of testDialects()) {
  describe(`data quality end to end on ${dialect}`, () => {
    let server: TestServer;
    const now = Date.now();
    const start = Math.floor((now - 30 * M) / M) * M;
    before(async () => {
      server = await startTestServer(dialect);
      for (const name of ['dq', 'idle']) {
        const created = await server.request('POST', '/api/v1/models', {
          body: { name, features: [{ name: 'x', type: 'numeric' }, { name: 'c', type: 'categorical' }] },
        });
        assert.equal(created.status, 201, created.text);
      }
      const profile = await server.request('POST', '/api/v1/models/dq/versions/v1/profile', { body: { rows: referenceRows } });
      assert.equal(profile.status, 201, profile.text);
    });
    after(() => server.close());

    test('rates, mean shift and freshness from ingested records', async () => {
      const good = Array.from({ length: N }, (_, i) => ({
        id: `p-${i}`,
        ts: start + Math.floor(i / 40) * M + (i % 40) * 1000,
        version: 'v1',
        features: { x: xOf(i), c: i % 5 === 0 ? 'zzz' : i % 2 === 0 ? 'a' : 'b' },
        score: 0.5,
      }));
      // Wrongly typed: rejected at ingest, counted per feature.
      const badX = Array.from({ length: 10 }, (_, i) => ({ id: `bx-${i}`, ts: start + i * 1000, version: 'v1', features: { x: '12', c: 'a' } }));
      const badC = Array.from({ length: 20 }, (_, i) => ({ id: `bc-${i}`, ts: start + i * 1000, version: 'v1', features: { x: 1, c: { nested: true } } }));
      const ingested = await server.request('POST', '/api/v1/models/dq/predictions', { body: { records: [...good, ...badX, ...badC] } });
      assert.equal(ingested.status, 200, ingested.text);
      assert.equal(ingested.body.accepted, N);
      assert.equal(ingested.body.rejected.length, 30);

      const ref = (await server.request('GET', '/api/v1/models/dq/versions/v1/profile')).body.profile.features[0];
      const values = good.map((r) => r.features.x).filter((x): x is number => x !== null);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const newest = maxOf(good.map((r) => r.ts));
      const url = `/api/v1/models/dq/data-quality?from=${start}&to=${start + 20 * M}`;
      for (const phase of ['unflushed', 'flushed']) {
        if (phase === 'flushed') await server.ctx.monitor.flush();
        const res = await server.request('GET', url);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.versions.length, 1);
        const v = res.body.versions[0];
        assert.equal(v.records, N, phase);
        assert.equal(v.rejected, 30);
        const [x, c] = v.features;
        assert.equal(x.feature, 'x');
        assert.equal(x.missingRate, 40 / N);
        assert.equal(x.outOfRange, 80);
        assert.equal(x.outOfRangeRate, 80 / 360);
        assert.equal(x.typeErrors, 10);
        assert.equal(x.typeErrorRate, 10 / (N + 30));
        assert.ok(Math.abs(x.mean - mean) < 1e-9, `${phase}: mean ${x.mean} vs ${mean}`);
        assert.ok(Math.abs(x.meanShiftSigmas - Math.abs(mean - ref.mean) / ref.std) < 1e-9);
        assert.deepEqual(x.flags, ['missing', 'out_of_range', 'type_errors']);
        assert.equal(c.unseenRate, 80 / N);
        assert.equal(c.outOfRangeRate, null);
        assert.equal(c.typeErrorRate, 20 / (N + 30));
        assert.deepEqual(c.flags, ['unseen', 'type_errors']);
        assert.ok(Math.abs(v.meanVectorDistance - x.meanShiftSigmas) < 1e-12, 'one numeric feature: the distance is its shift');
        assert.deepEqual(v.flaggedFeatures, ['x', 'c']);
        assert.equal(v.lastRecordAt, new Date(Math.floor(newest / M) * M + M).toISOString());
        assert.equal(v.noTraffic, true, 'the newest record is ~20 minutes old: past the 10-minute default');
        assert.equal(res.body.noTraffic, true);
      }
      // A looser no-traffic limit, a stricter k, a minimum volume past the traffic.
      const tuned = await server.request('GET', `${url}&noTrafficAfter=1h&k=1&minVolume=1000`);
      assert.equal(tuned.status, 200, tuned.text);
      assert.equal(tuned.body.noTraffic, false);
      assert.equal(tuned.body.versions[0].noTraffic, false);
      assert.deepEqual(tuned.body.versions[0].flaggedFeatures, [], 'below the minimum volume: reported, not flagged');
      assert.equal(tuned.body.versions[0].features[0].missingRate, 40 / N);
      // Per window: every minute holds 4 missing x of 40, so every window with records has 10%.
      const windowed = await server.request('GET', `${url}&step=5m`);
      assert.equal(windowed.status, 200, windowed.text);
      const wv = windowed.body.versions[0];
      assert.ok(wv.windows.length >= 4, `${wv.windows.length} windows`);
      assert.equal(wv.windows.reduce((n: number, w: { records: number }) => n + w.records, 0), N);
      assert.equal(wv.windows.reduce((n: number, w: { rejected: number }) => n + w.rejected, 0), 30);
      for (const w of wv.windows.filter((x: { records: number }) => x.records > 0)) assert.equal(w.features[0].missingRate, 0.1);
      assert.equal(wv.records, N);
      assert.equal(tuned.body.versions[0].windows, undefined, 'no windows without a step');
      const strict = await server.request('GET', `${url}&k=1`);
      assert.ok(strict.body.versions[0].features[0].flags.includes('mean_shift'));

      // The gauges over the last hour (which holds the whole window).
      const metrics = (await server.request('GET', '/metrics')).text;
      const gauge = (name: string, labels: string): number => {
        const m = new RegExp(`${name}\\{${labels}\\} (\\S+)`).exec(metrics);
        assert.ok(m, `${name}{${labels}} in /metrics`);
        return Number(m[1]);
      };
      const x = 'model="dq",version="v1",feature="x"';
      const c = 'model="dq",version="v1",feature="c"';
      assert.equal(gauge('modelwatch_feature_missing_ratio', x), 40 / N);
      assert.ok(Math.abs(gauge('modelwatch_feature_out_of_range_ratio', x) - 80 / 360) < 1e-12);
      assert.ok(Math.abs(gauge('modelwatch_feature_unseen_ratio', c) - 80 / N) < 1e-12);
      assert.ok(Math.abs(gauge('modelwatch_feature_type_error_ratio', c) - 20 / (N + 30)) < 1e-12);
      assert.ok(Math.abs(gauge('modelwatch_feature_mean_shift_sigmas', x) - Math.abs(mean - ref.mean) / ref.std) < 1e-9);
      assert.equal(gauge('modelwatch_data_quality_records', 'model="dq",version="v1"'), N + 30);
      assert.ok(gauge('modelwatch_feature_mean_vector_distance', 'model="dq",version="v1"') > 0);
      const since = gauge('modelwatch_ingest_seconds_since_last_record', 'model="dq"');
      assert.ok(Math.abs(since - (Date.now() - (Math.floor(newest / M) * M + M)) / 1000) < 30, `seconds since the last record: ${since}`);
      assert.doesNotMatch(metrics, /modelwatch_feature_unseen_ratio\{[^}]*feature="x"/, 'no unseen ratio for a numeric feature');
      assert.doesNotMatch(metrics, /modelwatch_ingest_seconds_since_last_record\{model="idle"\}/, 'no series for a model without records');

      // Rows from before migration 0105 have no feature stats: rates from the histograms, no mean.
      await server.ctx.store.db.updateTable('rollups').set({ feature_stats: null }).where('model', '=', 'dq').execute();
      const old = (await server.request('GET', url)).body.versions[0];
      assert.equal(old.features[0].missingRate, 40 / N);
      assert.equal(old.features[0].mean, null);
      assert.equal(old.features[0].typeErrors, 0);
    });

    test('a model without traffic; bad queries name the field', async () => {
      const idle = await server.request('GET', '/api/v1/models/idle/data-quality');
      assert.equal(idle.status, 200, idle.text);
      assert.deepEqual(idle.body.versions, []);
      assert.equal(idle.body.lastRecordAt, null);
      assert.equal(idle.body.noTraffic, true);
      for (const [query, field] of [
        ['k=-1', /query\.k/],
        ['minVolume=0.5', /query\.minVolume/],
        ['missingRate=2', /query\.missingRate/],
        ['from=banana', /query\.from/],
        ['noTrafficAfter=soon', /query\.noTrafficAfter/],
        ['step=often', /query\.step/],
      ] as const) {
        const res = await server.request('GET', `/api/v1/models/dq/data-quality?${query}`);
        assert.equal(res.status, 400, query);
        assert.match(res.text, field);
      }
      assert.equal((await server.request('GET', '/api/v1/models/nope/data-quality')).status, 404);
    });
  });
}
