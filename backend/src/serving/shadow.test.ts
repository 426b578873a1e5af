import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDialects } from '../testing/databases.ts';
import { logistic } from '../testing/onnx-fixtures.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const w1: [number, number] = [0.02, -0.01];
const w2: [number, number] = [0.025, -0.012];

/** A shadow scores the champion's requests after the reply, through the real HTTP surface. */
for (const dialect of testDialects()) {
  describe(`shadow release on ${dialect}`, () => {
    let server: TestServer;
    let viewer: string;
    let editor: string;
    const rows = Array.from({ length: 40 }, (_, i) => ({ price: (i * 7) % 50, age: 20 + ((i * 13) % 40) }));
    before(async () => {
      server = await startTestServer(dialect);
      await createTestModel(server, 'ctr');
      await registerLogistic(server, 'ctr', w1, 0.1);
      await registerLogistic(server, 'ctr', w2, 0.3);
      await registerLogistic(server, 'ctr', [0.01, 0.01], -0.2);
      await promote(server, 'ctr', 'v1');
      viewer = (await server.request('POST', '/api/v1/tokens', { body: { name: 'looker', role: 'viewer' } })).body.token;
      editor = (await server.request('POST', '/api/v1/tokens', { body: { name: 'releaser', role: 'editor' } })).body.token;
    });
    after(() => server.close());

    const flush = async () => {
      await server.ctx.serving.flushPredictionLog();
      await server.ctx.monitor.flush();
    };

    test('no shadow yet: null; bad input is a 4xx naming the field; viewers may only read', async () => {
      const none = await server.request('GET', '/api/v1/models/ctr/shadow', { token: viewer });
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.body, { model: 'ctr', shadow: null, comparison: null });
      const missing = await server.request('POST', '/api/v1/models/ctr/shadow', { token: editor, body: {} });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /version/);
      assert.equal((await server.request('POST', '/api/v1/models/ctr/shadow', { token: editor, body: { version: 'v9' } })).status, 404);
      const champion = await server.request('POST', '/api/v1/models/ctr/shadow', { token: editor, body: { version: 'v1' } });
      assert.equal(champion.status, 409);
      assert.match(champion.body.error.message, /body\.version: "v1" is the champion/);
      assert.equal((await server.request('POST', '/api/v1/models/ctr/shadow', { token: viewer, body: { version: 'v2' } })).status, 403);
      assert.equal((await server.request('POST', '/api/v1/models/ghost/shadow', { body: { version: 'v2' } })).status, 404);
      assert.equal((await server.request('POST', '/api/v1/models/ctr/shadow/stop', { token: editor, body: {} })).status, 404, 'nothing to stop');
    });

    test('a shadow scores the same requests, answers come from the champion only, the comparison adds up', async () => {
      const started = await server.request('POST', '/api/v1/models/ctr/shadow', { token: editor, body: { version: 'v2', reason: 'before the canary' } });
      assert.equal(started.status, 200, started.text);
      assert.equal(started.body.shadow.status, 'running');
      assert.deepEqual([started.body.shadow.version, started.body.shadow.champion, started.body.shadow.startedBy], ['v2', 'v1', 'token:releaser']);
      for (const [i, features] of rows.entries()) {
        const r = await server.request('POST', '/api/v1/models/ctr/predict', { body: { unitId: `u${i}`, features } });
        assert.equal(r.status, 200, r.text);
        const [p] = r.body.predictions;
        assert.deepEqual([p.version, p.arm], ['v1', 'champion'], 'the shadow never serves');
        assert.ok(Math.abs(p.score - logistic(w1, 0.1, [features.price, features.age])) < 1e-6);
      }
      await flush();
      const status = await server.request('GET', '/api/v1/models/ctr/shadow', { token: viewer });
      assert.equal(status.status, 200, status.text);
      const c = status.body.comparison;
      assert.equal(c.pairs, rows.length);
      assert.equal(c.shadow.requests, rows.length);
      assert.equal(c.champion.requests, rows.length);
      assert.equal(c.shadow.errors, 0);
      let abs = 0;
      let agree = 0;
      for (const x of rows) {
        const a = logistic(w1, 0.1, [x.price, x.age]);
        const b = logistic(w2, 0.3, [x.price, x.age]);
        abs += Math.abs(b - a);
        if (a >= 0.5 === b >= 0.5) agree++;
      }
      assert.ok(Math.abs(c.meanAbsDiff - abs / rows.length) < 1e-5, `${c.meanAbsDiff} vs ${abs / rows.length}`);
      assert.equal(c.decisionAgreement, agree / rows.length);
      assert.ok(c.scoreDrift && c.scoreDrift.n.current === rows.length);
      assert.ok(c.shadow.latencyP99 !== null && c.latencyRatio !== null);
      const metrics = (await server.request('GET', '/metrics')).text;
      assert.match(metrics, new RegExp(`modelwatch_shadow_pairs_total\\{model="ctr"\\} ${rows.length}`));
      assert.match(metrics, /modelwatch_shadow_info\{model="ctr",version="v2",champion="v1"\} 1/);
      assert.match(metrics, /modelwatch_shadow_decision_agreement\{model="ctr"\} /);
    });

    test('outcomes join the champion only: the shadow arm never gets a KPI of its own', async () => {
      const r = await server.request('POST', '/api/v1/models/ctr/predict', { body: { unitId: 'o1', features: rows[0] } });
      const id = r.body.predictions[0].predictionId;
      await flush();
      const o = await server.request('POST', '/api/v1/models/ctr/outcomes', { body: { records: [{ id, impression: 1, click: 1 }] } });
      assert.equal(o.status, 200, o.text);
      await flush();
      const totals = await server.ctx.monitor.totals('ctr', { from: 0, to: server.ctx.clock.now() + 60_000 });
      const champion = totals.find((t) => t.version === 'v1' && t.arm === 'champion')!;
      const shadow = totals.find((t) => t.version === 'v2' && t.arm === 'shadow')!;
      assert.equal(champion.clicks, 1);
      assert.equal(shadow.clicks, 0);
      assert.equal(shadow.impressions, 0);
      // The model's merged KPIs count each served request once (the shadow's own series is by arm).
      const kpis = async (query: string) => {
        const reply = await server.request('GET', `/api/v1/models/ctr/kpis?from=${server.ctx.clock.now() - 86_400_000}&to=${server.ctx.clock.now() + 60_000}&step=1d&kpi=requests&${query}`);
        assert.equal(reply.status, 200, reply.text);
        return reply.body.series as Array<{ version: string; arm: string; points: Array<[number, number | null]> }>;
      };
      const sum = (series: Awaited<ReturnType<typeof kpis>>) => series.reduce((n, s) => n + s.points.reduce((m, [, v]) => m + (v ?? 0), 0), 0);
      assert.equal(sum(await kpis('by=none')), champion.requests, 'by=none: the champion served them, the shadow only re-scored them');
      assert.equal(sum(await kpis('by=version')), champion.requests);
      const byArm = await kpis('by=arm');
      assert.equal(sum(byArm.filter((x) => x.arm === 'shadow')), shadow.requests, 'by=arm shows the shadow on its own');
    });

    test('a slow or failing shadow never slows or fails /predict: its errors show in the comparison', async () => {
      const replaced = await server.request('POST', '/api/v1/models/ctr/shadow', { token: editor, body: { version: 'v3' } });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.body.shadow.version, 'v3');
      // A runtime fault in the real v3 session: each shadow run waits 600 ms, then throws.
      const session = server.ctx.router.shadow('ctr')!.session;
      const original = session.score.bind(session);
      session.score = async () => {
        await new Promise((r) => setTimeout(r, 600));
        throw new Error('injected runtime fault');
      };
      try {
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const r = await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: { ...rows[i], category: 'shoes' } } });
          const ms = performance.now() - t0;
          assert.equal(r.status, 200, r.text);
          assert.equal(r.body.predictions[0].version, 'v1');
          // Well under the shadow's 600 ms: a reply that waited for it could not be this quick, a loaded machine's reply can.
          assert.ok(ms < 500, `the reply waited ${ms.toFixed(0)} ms for the shadow`);
        }
        await flush();
      } finally {
        session.score = original;
      }
      const c = (await server.request('GET', '/api/v1/models/ctr/shadow')).body.comparison;
      assert.equal(c.shadow.requests, 5);
      assert.equal(c.shadow.errorRate, 1);
      assert.equal(c.pairs, 0);
      assert.ok(c.shadow.latencyP50 >= 290, `the shadow's own latency shows its slowness: ${c.shadow.latencyP50}`);
      const audit = await server.request('GET', '/api/v1/audit?model=ctr');
      const types = audit.body.actions.map((e: { type: string }) => e.type);
      assert.ok(types.includes('shadow.start') && types.includes('shadow.stop'), types.join(', '));
    });

    test('stopped: the shadow scores nothing more; promoting the shadow stops it', async () => {
      const stopped = await server.request('POST', '/api/v1/models/ctr/shadow/stop', { token: editor, body: { reason: 'done' } });
      assert.equal(stopped.status, 200, stopped.text);
      assert.deepEqual([stopped.body.shadow.status, stopped.body.shadow.stopReason], ['stopped', 'done']);
      await server.request('POST', '/api/v1/models/ctr/predict', { body: { features: rows[0] } });
      await flush();
      const after = (await server.request('GET', '/api/v1/models/ctr/shadow')).body;
      assert.equal(after.comparison.shadow.requests, 5, 'no shadow predictions after the stop');
      assert.equal((await server.request('POST', '/api/v1/models/ctr/shadow', { body: { version: 'v2' } })).status, 200);
      await promote(server, 'ctr', 'v2');
      await server.ctx.serving.syncAliases();
      const promoted = (await server.request('GET', '/api/v1/models/ctr/shadow')).body;
      assert.deepEqual([promoted.shadow.status, promoted.shadow.stopReason], ['stopped', 'promoted to champion']);
    });

    test('two starts at once leave one running shadow', async () => {
      const [a, b] = await Promise.all(['v1', 'v3'].map((version) => server.request('POST', '/api/v1/models/ctr/shadow', { body: { version } })));
      assert.deepEqual([a!.status, b!.status], [200, 200]);
      const running = (await server.ctx.shadows.running()).filter((r) => r.model === 'ctr');
      assert.equal(running.length, 1, JSON.stringify(running));
      assert.equal(server.ctx.router.shadowRoute('ctr')?.version, running[0]!.version);
    });
  });
}
