/**
 * The unit of analysis through the real HTTP path (router → prediction log → outcome join →
 * rollups and per-unit sums → results), on one strongly clustered, seeded A/A experiment:
 * units with their own click propensity and a heavy-tailed number of requests. The
 * per-impression analysis of the same counts calls it significant and cries SRM; the unit
 * analysis does not. Fails if the per-impression variance comes back.
 * bench/ab/run.ts measures the operating characteristics over hundreds of such experiments.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRng } from '../core/random.ts';
import { abtest } from '../stats/abtest/abtest.ts';
import { srm } from '../stats/abtest/srm.ts';
import { testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { httpTransport, serveUnits, simulateUnits } from '../testing/unit-traffic.ts';

const SEED = Number(process.env.UNIT_TEST_SEED ?? 3);
/** More heterogeneous units than bench/ab/run.ts simulates (Beta(0.03, 0.97) propensities): one strongly clustered A/A. */
const POPULATION = { units: 1500, meanCtr: 0.03, concentration: 1, tail: 1.3, maxRequests: 200 };

for (const dialect of testDialects()) {
  describe(`analysis by randomization unit on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(dialect);
      for (const model of ['aa', 'legacy']) {
        await createTestModel(server, model);
        // A/A: the same artifact twice.
        await registerLogistic(server, model, [0.1, 0.01]);
        await registerLogistic(server, model, [0.1, 0.01]);
        await promote(server, model, 'v1');
      }
    });
    after(() => server.close());

    test('a clustered A/A: per-impression says significant and SRM, the unit analysis says neither', async () => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'aa', arms: [{ name: 'a', version: 'v1', weight: 1 }, { name: 'b', version: 'v2', weight: 1 }], primaryMetric: 'ctr', sequential: false, minSampleSize: 1000, salt: 'unit-analysis-test' },
      });
      assert.equal(created.status, 201, created.text);
      const rng = createRng(SEED);
      const units = simulateUnits(POPULATION, rng, 'u');
      await serveUnits(httpTransport((m, p, o) => server.request(m, p, o)), 'aa', units, rng);
      await server.ctx.monitor.flush();
      const reply = await server.request('GET', `/api/v1/experiments/${created.body.experiment.id}/results`);
      assert.equal(reply.status, 200, reply.text);
      const r = reply.body;
      assert.equal(r.analysisUnit, 'unit');
      const ctr = r.metrics.find((m: { metric: string }) => m.metric === 'ctr');
      assert.equal(ctr.analysisUnit, 'unit');
      const [a, b] = ctr.arms;
      assert.equal(a.units + b.units, units.length, 'every unit counted once, in its one arm');
      assert.equal(a.events + b.events, units.reduce((s, u) => s + u.requests, 0), 'every impression counted');
      // The same counts analysed per impression (what the results did before).
      const naive = abtest({ metric: 'proportion', control: { n: a.n, sum: a.sum }, treatment: { n: b.n, sum: b.sum } });
      const naiveSrm = srm({ counts: [a.n, b.n], weights: [1, 1] });
      const diag = `unit p ${b.comparison.pValue}, se ${b.comparison.se}; per-impression p ${naive.pValue}, se ${naive.se}; SRM units p ${r.srm.pValue} ${JSON.stringify(r.srm.counts)}, impressions p ${naiveSrm.pValue} [${a.n}, ${b.n}]`;
      assert.ok(b.comparison.se > 2 * naive.se, `the unit-level SE must be well above the per-impression one on clustered data: ${diag}`);
      assert.ok(naive.pValue < 0.05 && b.comparison.pValue > 0.05, `per-impression significant, unit analysis not: ${diag}`);
      assert.equal(r.srm.counted, 'units');
      assert.deepEqual(r.srm.counts, [a.units, b.units]);
      assert.ok(naiveSrm.pValue < 0.001 && !r.srm.mismatch, `SRM: impressions cry mismatch, units do not: ${diag}`);
      assert.equal(r.arms[0].units, a.units);
    });

    test('without unit ids (legacy producers) the results fall back to the event and say so', async () => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'legacy', arms: [{ name: 'a', version: 'v1', weight: 1 }, { name: 'b', version: 'v2', weight: 1 }], primaryMetric: 'ctr' },
      });
      assert.equal(created.status, 201, created.text);
      const records = Array.from({ length: 200 }, (_, i) => ({ id: `l${i}`, version: i % 2 ? 'v2' : 'v1', arm: i % 2 ? 'b' : 'a', features: { price: 1, age: 30, category: 'a' } }));
      assert.equal((await server.request('POST', '/api/v1/models/legacy/predictions', { body: { records } })).body.accepted, 200);
      await server.ctx.monitor.flush();
      const r = (await server.request('GET', `/api/v1/experiments/${created.body.experiment.id}/results`)).body;
      assert.equal(r.analysisUnit, 'event');
      assert.equal(r.srm.counted, 'requests');
      assert.equal(r.metrics[0].arms[0].units, null);
      assert.ok(r.notes.some((n: string) => /no prediction carries a unitId/.test(n)), JSON.stringify(r.notes));
    });

    test('a unit id of the wrong type or too long is a 400 naming the field', async () => {
      const bad = await server.request('POST', '/api/v1/models/legacy/predictions', { body: { records: [{ id: 'x1', version: 'v1', unitId: 'u'.repeat(300) }, { id: 'x2', version: 'v1', unitId: { a: 1 } }] } });
      assert.ok(bad.status === 400 || bad.status === 200, bad.text);
      const rejected = bad.status === 400 ? bad.body.rejected ?? [] : bad.body.rejected;
      assert.match(JSON.stringify(bad.body), /unitId: expected the randomization unit as a non-empty string of at most 256 characters/);
      assert.ok(Array.isArray(rejected));
      const predict = await server.request('POST', '/api/v1/models/legacy/predict', { body: { instances: [{ unitId: '', features: { price: 1, age: 1, category: 'a' } }] } });
      assert.equal(predict.status, 400, predict.text);
      assert.match(predict.text, /body\.instances\[0\]\.unitId: expected a non-empty string of at most 256 characters/);
    });
  });
}
