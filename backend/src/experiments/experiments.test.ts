/**
 * Experiments end to end: HTTP API, assignment, results from monitoring rollups fed with
 * simulated traffic (predictions + outcomes with arm labels through ctx.monitor), decisions,
 * stop/promote, Prometheus export, restart stability. Both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../core/logger.ts';
import { startServer } from '../compose/server.ts';
import { abtest } from '../stats/abtest/abtest.ts';
import { testDialects } from '../testing/databases.ts';
import { createTestModel, promote, registerLogistic } from '../testing/serving-helpers.ts';
import { makeTestConfig, requestJson, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../testing/test-server.ts';
import { createRng } from '../core/random.ts';

/** Seeded PRNG: the simulations are the same on every run. */
const prng = createRng;

interface ArmTraffic {
  arm: string;
  version: string;
  n: number;
  ctr: number;
  latencyMs?: number;
  errorRate?: number;
}

let nextId = 0;

/** Predictions (one impression each) and their click outcomes, through ctx.monitor. */
async function feed(server: TestServer, model: string, arms: ArmTraffic[], seed: number): Promise<void> {
  const rand = prng(seed);
  const ts = Date.now();
  for (const a of arms) {
    const predictions: unknown[] = [];
    const outcomes: unknown[] = [];
    for (let i = 0; i < a.n; i++) {
      const id = `p${nextId++}`;
      predictions.push({
        id,
        ts,
        version: a.version,
        arm: a.arm,
        features: { price: rand() * 10, age: 20 + rand() * 40, category: 'a' },
        score: rand(),
        latencyMs: (a.latencyMs ?? 20) * (0.5 + rand()),
        ...(a.errorRate && rand() < a.errorRate ? { error: true } : {}),
      });
      outcomes.push({ id, ts, impression: true, click: rand() < a.ctr });
    }
    for (let i = 0; i < predictions.length; i += 5000) {
      const p = await server.ctx.monitor.ingestPredictions(model, predictions.slice(i, i + 5000));
      assert.equal(p.rejected.length, 0, JSON.stringify(p.rejected.slice(0, 3)));
      const o = await server.ctx.monitor.ingestOutcomes(model, outcomes.slice(i, i + 5000));
      assert.equal(o.rejected.length, 0, JSON.stringify(o.rejected.slice(0, 3)));
    }
  }
}

function assertFiniteNumbers(value: unknown, where = '$'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${where} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFiniteNumbers(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertFiniteNumbers(v, `${where}.${k}`);
}

const twoArms = (control: string, treatment: string) => [
  { name: 'control', version: control, weight: 1 },
  { name: 'treatment', version: treatment, weight: 1 },
];

for (const dialect of testDialects()) {
  describe(`experiments on ${dialect}`, () => {
    let server: TestServer;
    let editor: string;
    before(async () => {
      server = await startTestServer(dialect);
      for (const model of ['ab', 'aa', 'srm', 'ramp', 'auto', 'serve']) {
        await createTestModel(server, model);
        await registerLogistic(server, model, [0.1, 0.01]);
        await registerLogistic(server, model, [0.2, 0.01]);
        await promote(server, model, 'v1');
      }
      editor = (await server.request('POST', '/api/v1/tokens', { body: { name: 'exp-editor', role: 'editor' } })).body.token;
    });
    after(() => server.close());

    test('create: validation names the field; unknown model 404; a second running experiment 409', async () => {
      const cases: [unknown, number, RegExp][] = [
        [{}, 400, /body\.model/],
        [{ model: 'ab', arms: [{ name: 'control', version: 'v1', weight: 1 }], primaryMetric: 'ctr' }, 400, /body\.arms: at least 2 arms/],
        [{ model: 'ab', arms: [{ name: 'a', version: 'v1', weight: 1 }, { name: 'a', version: 'v2', weight: 1 }], primaryMetric: 'ctr' }, 400, /body\.arms\[1\]\.name: "a" is used twice/],
        [{ model: 'ab', arms: [{ name: 'a', version: 'v1', weight: 0 }, { name: 'b', version: 'v2', weight: 1 }], primaryMetric: 'ctr' }, 400, /body\.arms\[0\]\.weight: must be positive/],
        [{ model: 'ab', arms: twoArms('v1', 'v9'), primaryMetric: 'ctr' }, 400, /arms\[1\]\.version: version "v9" of model "ab" is not registered/],
        [{ model: 'ab', arms: twoArms('v1', 'v2'), primaryMetric: 'revenue' }, 400, /body\.primaryMetric/],
        [{ model: 'ab', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr', guardrails: [{ metric: 'latency', margin: -1 }] }, 400, /body\.guardrails\[0\]\.margin: must be ≥ 0/],
        [{ model: 'ab', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr', sequential: false }, 400, /minSampleSize: required when sequential is false/],
        [{ model: 'nope', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr' }, 404, /model "nope"/],
      ];
      for (const [body, status, message] of cases) {
        const response = await server.request('POST', '/api/v1/experiments', { body });
        assert.equal(response.status, status, `${JSON.stringify(body)} → ${response.text}`);
        assert.match(response.body.error.message, message);
      }
      const viewer = (await server.request('POST', '/api/v1/tokens', { body: { name: 'exp-viewer', role: 'viewer' } })).body.token;
      const denied = await server.request('POST', '/api/v1/experiments', { token: viewer, body: { model: 'ab', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr' } });
      assert.equal(denied.status, 403);
    });

    let abId = '';
    test('create: 201 with salt, normalised weights, allocation; a second one for the model is 409', async () => {
      const response = await server.request('POST', '/api/v1/experiments', {
        token: editor,
        body: {
          model: 'ab',
          arms: [
            { name: 'control', version: 'v1', weight: 50 },
            { name: 'treatment', version: 'v2', weight: 50 },
          ],
          primaryMetric: 'ctr',
          guardrails: [{ metric: 'latency', margin: 0.1 }, { metric: 'error_rate', margin: 0.01 }],
        },
      });
      assert.equal(response.status, 201, response.text);
      const e = response.body.experiment;
      abId = e.id;
      assert.equal(e.status, 'running');
      assert.equal(e.sequential, true);
      assert.equal(e.tuning, 5000);
      assert.match(e.salt, /^[0-9a-f]{16}$/);
      assert.deepEqual(e.arms.map((a: { weight: number }) => a.weight), [0.5, 0.5]);
      assert.deepEqual(e.allocation.arms.map((a: { buckets: number }) => a.buckets), [5000, 5000]);
      assert.deepEqual(e.guardrails[1], { metric: 'error_rate', direction: 'lower', margin: 0.01, difference: 'absolute' });
      assert.match(response.body.notes.join(' '), /weights normalised to sum 1 \(they summed to 100\)/);
      const again = await server.request('POST', '/api/v1/experiments', { body: { model: 'ab', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr' } });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, new RegExp(`already has a running experiment \\(${abId}\\)`));
      const got = await server.request('GET', `/api/v1/experiments/${abId}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.experiment, e);
      const list = await server.request('GET', '/api/v1/experiments?model=ab&status=running');
      assert.deepEqual(list.body.experiments.map((x: { id: string }) => x.id), [abId]);
      assert.equal((await server.request('GET', '/api/v1/experiments/nope')).status, 404);
      assert.equal((await server.request('GET', '/api/v1/experiments/nope/results')).status, 404);
      const audit = await server.ctx.audit.list({ model: 'ab', type: 'experiment.created' });
      assert.equal(audit[0]?.details.experimentId, abId);
    });

    test('assign: deterministic by unit, split by weight, random without a unit; none for other models', async () => {
      const first = new Map<string, string>();
      let treatment = 0;
      for (let i = 0; i < 4000; i++) {
        const a = await server.ctx.experiments.assign('ab', `user-${i}`);
        assert.ok(a);
        assert.equal(a.experimentId, abId);
        assert.equal(a.version, a.arm === 'control' ? 'v1' : 'v2');
        first.set(`user-${i}`, a.arm);
        if (a.arm === 'treatment') treatment++;
      }
      assert.ok(Math.abs(treatment / 4000 - 0.5) < 0.03, `${treatment}`);
      for (const [unit, arm] of first) assert.equal((await server.ctx.experiments.assign('ab', unit))?.arm, arm);
      const random = new Set<string>();
      for (let i = 0; i < 50; i++) random.add((await server.ctx.experiments.assign('ab'))!.arm);
      assert.deepEqual([...random].sort(), ['control', 'treatment']);
      assert.equal(await server.ctx.experiments.assign('nope', 'user-1'), undefined);

      assert.deepEqual(
        (await server.ctx.experiments.servingVersions()).filter((v) => v.model === 'ab'),
        [
          { model: 'ab', version: 'v1' },
          { model: 'ab', version: 'v2' },
        ],
      );
    });

    test('serving routes each unit by the running experiment (ctx.router → ctx.experiments.assign)', async () => {
      const created = await server.request('POST', '/api/v1/experiments', { body: { model: 'serve', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr' } });
      assert.equal(created.status, 201, created.text);
      for (let i = 0; i < 20; i++) {
        const unit = `user-${i}`;
        const expected = await server.ctx.experiments.assign('serve', unit);
        const predicted = await server.request('POST', '/api/v1/models/serve/predict', { body: { unitId: unit, features: { price: 1, age: 30, category: 'a' } } });
        assert.equal(predicted.status, 200, predicted.text);
        assert.equal(predicted.body.predictions[0].arm, expected?.arm);
        assert.equal(predicted.body.predictions[0].version, expected?.version);
      }
    });

    test('a truly better arm reaches "promote"; the numbers are the pure functions\' on the rollup counts', async () => {
      const empty = await server.request('GET', `/api/v1/experiments/${abId}/results`);
      assert.equal(empty.status, 200, empty.text);
      assertFiniteNumbers(empty.body);
      assert.equal(empty.body.decision.recommendation, 'keep_running');
      assert.equal(empty.body.srm.reason, 'no requests yet');

      await feed(server, 'ab', [
        { arm: 'control', version: 'v1', n: 8000, ctr: 0.05 },
        { arm: 'treatment', version: 'v2', n: 8000, ctr: 0.08 },
      ], 1);
      const response = await server.request('GET', `/api/v1/experiments/${abId}/results`);
      assert.equal(response.status, 200, response.text);
      const r = response.body;
      assertFiniteNumbers(r);
      assert.equal(r.decision.recommendation, 'promote', r.decision.reasons.join('\n'));
      assert.deepEqual(r.decision.winner, { arm: 'treatment', version: 'v2' });
      assert.match(r.decision.reasons[0], /ctr: effect .* is significantly better/);
      assert.equal(r.srm.mismatch, false);
      assert.deepEqual(r.srm.counts, [8000, 8000]);
      assert.deepEqual(r.metrics.map((m: { metric: string; role: string }) => `${m.metric}:${m.role}`), [
        'ctr:primary',
        'latency:guardrail',
        'error_rate:guardrail',
        'cvr:secondary',
      ]);
      const ctr = r.metrics[0];
      const [c, t] = ctr.arms;
      assert.equal(c.n, 8000);
      assert.equal(t.n, 8000);
      assert.equal(c.comparison, null);
      const pure = abtest({ metric: 'proportion', control: { n: c.n, sum: c.sum }, treatment: { n: t.n, sum: t.sum }, sequential: { tuning: 5000 } });
      assert.equal(t.comparison.pValue, pure.pValue);
      assert.equal(t.comparison.effect, pure.effect);
      assert.deepEqual(t.comparison.ci, pure.ci);
      assert.equal(t.comparison.chanceToWin, pure.chanceToWin);
      assert.equal(t.mean, t.sum / t.n);
      assert.ok(t.comparison.power.mde > 0);
      assert.equal(r.guardrails.length, 2);
      assert.ok(r.guardrails.every((g: { status: string }) => g.status === 'non_inferior'), JSON.stringify(r.guardrails));
      assert.match(r.notes.join('\n'), /guardrail error_rate, arm "treatment": .* Agresti–Caffo/);
      // Holm over the family: never below the raw p-value.
      for (const m of r.metrics) for (const a of m.arms) if (a.comparison) assert.ok(a.comparison.adjustedPValue >= a.comparison.pValue);

      const metrics = await fetch(`${server.url}/metrics`).then((x) => x.text());
      assert.match(metrics, new RegExp(`modelwatch_experiment_decision\\{experiment="${abId}",model="ab",decision="promote"\\} 1`));
      assert.match(metrics, new RegExp(`modelwatch_experiment_decision\\{experiment="${abId}",model="ab",decision="keep_running"\\} 0`));
      assert.match(metrics, new RegExp(`modelwatch_experiment_p_value\\{experiment="${abId}",model="ab",metric="ctr",arm="treatment"\\} `));
      assert.match(metrics, new RegExp(`modelwatch_experiment_lift\\{experiment="${abId}",model="ab",metric="ctr",arm="treatment"\\} 0\\.`));
      assert.match(metrics, new RegExp(`modelwatch_experiment_chance_to_win\\{experiment="${abId}",model="ab",metric="ctr",arm="treatment"\\} 0\\.99`));
      assert.match(metrics, new RegExp(`modelwatch_experiment_srm_p_value\\{experiment="${abId}",model="ab"\\} `));

      const evaluations = await server.ctx.experiments.evaluateRunning();
      const mine = evaluations.find((e) => e.experimentId === abId);
      assert.equal(mine?.recommendation, 'promote');
      assert.equal(mine?.acted, null, 'no autoDecide: never acts');
    });

    test('stop: promote needs admin; promotes the winner through ctx.actions; audited; twice is 409', async () => {
      const asEditor = await server.request('POST', `/api/v1/experiments/${abId}/stop`, { token: editor, body: { decision: 'promote' } });
      assert.equal(asEditor.status, 403, asEditor.text);
      assert.match(asEditor.body.error.message, /needs the "admin" permission/);
      const bad = await server.request('POST', `/api/v1/experiments/${abId}/stop`, { body: { decision: 'ship-it' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /body\.decision/);

      const response = await server.request('POST', `/api/v1/experiments/${abId}/stop`, {
        body: { decision: 'promote', reason: 'treatment wins on CTR' },
        headers: { 'idempotency-key': `stop-${abId}` },
      });
      assert.equal(response.status, 200, response.text);
      const { experiment, action, championChange, recommendation } = response.body;
      assert.equal(experiment.status, 'stopped');
      assert.equal(experiment.decision, 'promote');
      assert.equal(recommendation, 'promote');
      assert.equal(action.type, 'stop_experiment');
      assert.equal(action.status, 'succeeded');
      assert.equal(action.toVersion, 'v2');
      assert.equal(championChange.type, 'promote');
      assert.equal((await server.ctx.registry.aliases('ab')).champion, 'v2');
      const audit = await server.ctx.audit.list({ model: 'ab', type: 'stop_experiment' });
      assert.equal(audit[0]?.details.experimentId, abId);
      assert.equal(await server.ctx.experiments.assign('ab', 'user-1'), undefined, 'a stopped experiment assigns nobody');

      const replay = await server.request('POST', `/api/v1/experiments/${abId}/stop`, {
        body: { decision: 'promote', reason: 'treatment wins on CTR' },
        headers: { 'idempotency-key': `stop-${abId}` },
      });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.action.id, action.id);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      const twice = await server.request('POST', `/api/v1/experiments/${abId}/stop`, { body: { decision: 'none' } });
      assert.equal(twice.status, 409);
      // Results of a stopped experiment stay readable (window ends at the stop).
      const after = await server.request('GET', `/api/v1/experiments/${abId}/results`);
      assert.equal(after.status, 200);
      assert.equal(after.body.status, 'stopped');
      assert.equal(after.body.window.to, experiment.stoppedAt);
      // The model is free for a new experiment.
      const next = await server.request('POST', '/api/v1/experiments', { body: { model: 'ab', arms: twoArms('v2', 'v1'), primaryMetric: 'ctr' } });
      assert.equal(next.status, 201, next.text);
      const rollback = await server.request('POST', `/api/v1/experiments/${next.body.experiment.id}/stop`, { body: { decision: 'rollback' } });
      assert.equal(rollback.status, 200, rollback.text);
      assert.equal(rollback.body.championChange, null, 'the control is still the champion');
      assert.match(rollback.body.notes.join(' '), /still the champion/);
    });

    test('A/A: equal arms stay undecided (keep_running), no SRM', async () => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'aa', arms: twoArms('v1', 'v1'), primaryMetric: 'ctr', metrics: ['ctr', 'cvr', 'error_rate', 'latency', 'score'] },
      });
      assert.equal(created.status, 201, created.text);
      await feed(server, 'aa', [
        { arm: 'control', version: 'v1', n: 8000, ctr: 0.05 },
        { arm: 'treatment', version: 'v1', n: 8000, ctr: 0.05 },
      ], 2);
      const r = (await server.request('GET', `/api/v1/experiments/${created.body.experiment.id}/results`)).body;
      assertFiniteNumbers(r);
      assert.equal(r.decision.recommendation, 'keep_running', r.decision.reasons.join('\n'));
      assert.match(r.decision.reasons[0], /no significant difference/);
      assert.equal(r.srm.mismatch, false);
      const score = r.metrics.find((m: { metric: string }) => m.metric === 'score');
      assert.equal(score.kind, 'mean');
      assert.equal(score.arms[1].comparison.status, 'ok');
      const latency = r.metrics.find((m: { metric: string }) => m.metric === 'latency');
      assert.ok(latency.arms[0].sumSquares > latency.arms[0].sum ** 2 / latency.arms[0].n);
      assert.ok(Math.abs(latency.arms[0].mean - 20) < 0.5, `${latency.arms[0].mean}`);
    });

    test('SRM: a skewed split is detected and blocks any decision', async () => {
      const created = await server.request('POST', '/api/v1/experiments', { body: { model: 'srm', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr' } });
      assert.equal(created.status, 201, created.text);
      await feed(server, 'srm', [
        { arm: 'control', version: 'v1', n: 6000, ctr: 0.05 },
        { arm: 'treatment', version: 'v2', n: 4000, ctr: 0.08 },
      ], 3);
      const r = (await server.request('GET', `/api/v1/experiments/${created.body.experiment.id}/results`)).body;
      assert.equal(r.srm.mismatch, true);
      assert.ok(r.srm.pValue < 1e-10);
      assert.deepEqual(r.srm.expected, [5000, 5000]);
      assert.equal(r.decision.recommendation, 'inconclusive');
      assert.match(r.decision.reasons[0], /sample ratio mismatch/);
      const metrics = await fetch(`${server.url}/metrics`).then((x) => x.text());
      assert.match(metrics, new RegExp(`modelwatch_experiment_decision\\{experiment="${created.body.experiment.id}",model="srm",decision="inconclusive"\\} 1`));
    });

    test('ramp: PATCH weights moves the fewest units; SRM expects the mix of splits', async () => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'ramp', arms: [{ name: 'control', version: 'v1', weight: 0.9 }, { name: 'treatment', version: 'v2', weight: 0.1 }], primaryMetric: 'ctr' },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.body.experiment.id;
      const units = Array.from({ length: 3000 }, (_, i) => `u${i}`);
      const before = await Promise.all(units.map((u) => server.ctx.experiments.assign('ramp', u)));
      const bad = await server.request('PATCH', `/api/v1/experiments/${id}`, { body: { weights: [1, 2, 3] } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /weights: one weight per arm \(2: control, treatment\), got 3/);
      const unknownArm = await server.request('PATCH', `/api/v1/experiments/${id}`, { body: { weights: { canary: 1 } } });
      assert.equal(unknownArm.status, 400);
      assert.match(unknownArm.body.error.message, /weights\.canary: no such arm/);
      const ramp = await server.request('PATCH', `/api/v1/experiments/${id}`, { body: { weights: { control: 50, treatment: 50 }, reason: 'ramp to 50%' } });
      assert.equal(ramp.status, 200, ramp.text);
      assert.equal(ramp.body.movedFraction, 0.4);
      assert.deepEqual(ramp.body.experiment.arms.map((a: { weight: number }) => a.weight), [0.5, 0.5]);
      assert.equal(ramp.body.experiment.weightHistory.length, 2);
      const afterRamp = await Promise.all(units.map((u) => server.ctx.experiments.assign('ramp', u)));
      let moved = 0;
      before.forEach((b, i) => {
        if (b!.arm !== afterRamp[i]!.arm) {
          moved++;
          assert.equal(b!.arm, 'control', 'only control units move to the treatment');
        }
      });
      assert.ok(Math.abs(moved / units.length - 0.4) < 0.04, `${moved}`);
      // All traffic so far is in the current split's period (the ramp happened before any).
      await feed(server, 'ramp', [
        { arm: 'control', version: 'v1', n: 1000, ctr: 0.05 },
        { arm: 'treatment', version: 'v2', n: 1000, ctr: 0.05 },
      ], 4);
      const r = (await server.request('GET', `/api/v1/experiments/${id}/results`)).body;
      assertFiniteNumbers(r);
      const sum = r.srm.expected[0] + r.srm.expected[1];
      assert.equal(sum, 2000);
      const audit = await server.ctx.audit.list({ model: 'ramp', type: 'experiment.reweighted' });
      assert.equal(audit[0]?.details.movedFraction, 0.4);
      const stopped = await server.request('POST', `/api/v1/experiments/${id}/stop`, { body: { decision: 'none' } });
      assert.equal(stopped.status, 200);
      const late = await server.request('PATCH', `/api/v1/experiments/${id}`, { body: { weights: [1, 1] } });
      assert.equal(late.status, 409);
    });

    test('autoDecide: evaluateRunning() stops a winning experiment and promotes, as the system', async () => {
      const created = await server.request('POST', '/api/v1/experiments', {
        body: { model: 'auto', arms: twoArms('v1', 'v2'), primaryMetric: 'ctr', autoDecide: true },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.body.experiment.id;
      await feed(server, 'auto', [
        { arm: 'control', version: 'v1', n: 6000, ctr: 0.05 },
        { arm: 'treatment', version: 'v2', n: 6000, ctr: 0.09 },
      ], 5);
      const evaluations = await server.ctx.experiments.evaluateRunning();
      const mine = evaluations.find((e) => e.experimentId === id);
      assert.equal(mine?.recommendation, 'promote');
      assert.equal(mine?.acted?.decision, 'promote');
      assert.equal((await server.ctx.registry.aliases('auto')).champion, 'v2');
      const e = (await server.request('GET', `/api/v1/experiments/${id}`)).body.experiment;
      assert.equal(e.status, 'stopped');
      assert.equal(e.stoppedBy, 'system:experiments');
      assert.match(e.stopReason, new RegExp(`^experiment ${id}: automatic decision: ctr`));
    });
  });

  describe(`experiments on ${dialect}: restart`, () => {
    test('the same salt and allocation assign the same arms after a restart', async () => {
      const config = await makeTestConfig(dialect);
      const logger = createLogger(config.logLevel);
      const first = await startServer(config, logger);
      const request = (url: string, method: string, path: string, body?: unknown) => requestJson(url, method, path, { body }, TEST_ADMIN_TOKEN);
      let arms: (string | undefined)[];
      try {
        assert.equal((await request(first.url, 'POST', '/api/v1/models', { name: 'm', features: [{ name: 'price', type: 'numeric' }, { name: 'age', type: 'numeric' }] })).status, 201);
        for (const w of [0.1, 0.2, 0.3]) {
          const v = await request(first.url, 'POST', '/api/v1/models/m/versions', { artifact: (await import('../testing/onnx-fixtures.ts')).logisticRegressionOnnx({ weights: [w, 0] }).toString('base64') });
          assert.equal(v.status, 201, v.text);
        }
        const created = await request(first.url, 'POST', '/api/v1/experiments', {
          model: 'm',
          arms: [
            { name: 'a', version: 'v1', weight: 0.5 },
            { name: 'b', version: 'v2', weight: 0.25 },
            { name: 'c', version: 'v3', weight: 0.25 },
          ],
          primaryMetric: 'ctr',
          salt: 'fixed-salt',
        });
        assert.equal(created.status, 201, created.text);
        const ramp = await request(first.url, 'PATCH', `/api/v1/experiments/${created.body.experiment.id}`, { weights: [0.34, 0.33, 0.33] });
        assert.equal(ramp.status, 200, ramp.text);
        assert.ok(Math.abs(ramp.body.movedFraction - 0.16) < 1e-9, `${ramp.body.movedFraction}`);
        arms = await Promise.all(Array.from({ length: 2000 }, (_, i) => first.ctx.experiments.assign('m', `unit-${i}`).then((a) => a?.arm)));
      } finally {
        await first.close();
      }
      const second = await startServer(config, logger);
      try {
        const again = await Promise.all(Array.from({ length: 2000 }, (_, i) => second.ctx.experiments.assign('m', `unit-${i}`).then((a) => a?.arm)));
        assert.deepEqual(again, arms);
        assert.deepEqual(new Set(again), new Set(['a', 'b', 'c']));
      } finally {
        await second.close();
      }
    });
  });
}
