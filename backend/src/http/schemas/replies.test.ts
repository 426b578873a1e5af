/**
 * The reply schemas against real replies: each parses what the backend answers and keeps every
 * field (zod drops keys a schema does not name, so a missing field fails the deepEqual). The
 * compile-time check (describing.ts) ties them to the domain types; this ties them to the wire,
 * for the live service and for the recorded replies the plugins' contract tests use.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { z } from 'zod';
import { testDialects } from '../../testing/databases.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';
import { experimentResultsReply } from './experiment-results.ts';
import { calibrationReply, dataQualityReply, driftReply, kpiSeriesReply, scoreDriftReply, modelHealthReply, profileSummaryReply, versionProfileReply } from './monitoring-replies.ts';

function assertDescribes(schema: z.ZodType, body: unknown, what: string): void {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${what}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`);
  assert.deepEqual(parsed.data, body, `${what}: the schema drops fields of the reply`);
}

test('recorded plugin fixtures match the reply schemas', () => {
  const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../../plugin-api/fixtures/${name}.json`, import.meta.url), 'utf8'));
  assertDescribes(kpiSeriesReply, fixture('kpis'), 'kpis.json');
  assertDescribes(driftReply, fixture('drift'), 'drift.json');
  assertDescribes(modelHealthReply, fixture('health'), 'health.json');
  assertDescribes(experimentResultsReply, fixture('results'), 'results.json');
});

for (const dialect of testDialects()) {
  describe(`monitoring replies match their schemas on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
      const model = await server.request('POST', '/api/v1/models', {
        body: { name: 'shop', features: [{ name: 'price', type: 'numeric' }, { name: 'category', type: 'categorical' }] },
      });
      assert.equal(model.status, 201, model.text);
    });
    after(() => server.close());

    test('kpis, drift, health, profiles', async () => {
      const rows = Array.from({ length: 200 }, (_, i) => ({ price: 10 + (i % 17), category: ['a', 'b'][i % 2] }));
      const saved = await server.request('POST', '/api/v1/models/shop/versions/v1/profile', { body: { rows } });
      assert.equal(saved.status, 201, saved.text);
      assertDescribes(profileSummaryReply, saved.body, 'POST profile');
      const now = Date.now();
      const records = rows.slice(0, 50).map((features, i) => ({
        id: `p${i}`,
        ts: now - 5 * 60_000 + i * 1000,
        version: 'v1',
        arm: i % 2 ? 'A' : 'B',
        features: { ...features, price: features.price + 5 },
        score: 0.5,
        latencyMs: 20 + i,
        error: i % 10 === 0,
      }));
      const ingested = await server.request('POST', '/api/v1/models/shop/predictions', { body: { records } });
      assert.equal(ingested.status, 200, ingested.text);
      const outcomes = records.map((r, i) => ({ id: r.id, impression: true, click: i % 3 === 0, label: i % 3 === 0 }));
      assert.equal((await server.request('POST', '/api/v1/models/shop/outcomes', { body: { records: outcomes } })).status, 200);

      const replies = {
        kpis: [kpiSeriesReply, '/api/v1/models/shop/kpis?step=1m'],
        'kpis by none': [kpiSeriesReply, '/api/v1/models/shop/kpis?by=none&kpi=ctr,latency_p99'],
        drift: [driftReply, '/api/v1/models/shop/drift?version=v1,v9&method=psi,ks,wasserstein,chi_square'],
        calibration: [calibrationReply, '/api/v1/models/shop/calibration'],
        'data quality': [dataQualityReply, '/api/v1/models/shop/data-quality?version=v1,v9'],
        'data quality per window': [dataQualityReply, '/api/v1/models/shop/data-quality?version=v1,v9&step=1m'],
        'score drift': [scoreDriftReply, '/api/v1/models/shop/score-drift'],
        health: [modelHealthReply, '/api/v1/models/shop/health'],
        profile: [versionProfileReply, '/api/v1/models/shop/versions/v1/profile'],
      } as const;
      for (const [what, [schema, path]] of Object.entries(replies)) {
        const reply = await server.request('GET', path);
        assert.equal(reply.status, 200, `${what}: ${reply.text}`);
        assertDescribes(schema, reply.body, what);
      }
      const drift = await server.request('GET', '/api/v1/models/shop/drift?version=v1,v9&method=psi,ks,wasserstein,chi_square');
      const [v1, v9] = drift.body.versions;
      assert.ok(v1.windows[0].features.some((f: { pValue?: number }) => f.pValue !== undefined), 'a p-value field was checked');
      assert.ok(v1.windows[0].features.some((f: { distance?: number }) => f.distance !== undefined), 'a distance field was checked');
      assert.equal(v9.profile, null, 'a version without a profile was checked');
    });
  });
}
