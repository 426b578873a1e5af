/** Puts a model with two versions, history and traffic into a fresh backend, over its HTTP API. */
import assert from 'node:assert/strict';
import type { TestServer } from '../../backend/src/testing/test-server.ts';
import { createTestModel, promote, registerLogistic } from '../../backend/src/testing/serving-helpers.ts';
import { createRng } from '../../backend/src/core/random.ts';

export const MODEL = 'ctr-ranker';

const rand = createRng(42);
let nextId = 0;

function referenceRows(n: number): Array<Record<string, number | string>> {
  return Array.from({ length: n }, () => ({ price: rand() * 10, age: 20 + rand() * 40, category: rand() < 0.5 ? 'a' : 'b' }));
}

/** Predictions with click outcomes spread over [from, to); `priceShift` moves the price feature (drift). */
export async function ingestTraffic(
  server: TestServer,
  model: string,
  opts: { version: string; n: number; ctr: number; from: number; to: number; arm?: string; priceShift?: number }
): Promise<void> {
  const predictions: unknown[] = [];
  const outcomes: unknown[] = [];
  for (let i = 0; i < opts.n; i++) {
    const id = `seed-${nextId++}`;
    const ts = Math.floor(opts.from + ((opts.to - opts.from) * i) / opts.n);
    predictions.push({
      id,
      ts,
      version: opts.version,
      ...(opts.arm ? { arm: opts.arm } : {}),
      features: { price: rand() * 10 + (opts.priceShift ?? 0), age: 20 + rand() * 40, category: rand() < 0.5 ? 'a' : 'b' },
      score: rand(),
      latencyMs: 10 + rand() * 30,
    });
    outcomes.push({ id, ts, impression: true, click: rand() < opts.ctr });
  }
  const p = await server.request('POST', `/api/v1/models/${model}/predictions`, { body: { records: predictions } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.rejected.length, 0, p.text);
  const o = await server.request('POST', `/api/v1/models/${model}/outcomes`, { body: { records: outcomes } });
  assert.equal(o.status, 200, o.text);
  assert.equal(o.body.rejected.length, 0, o.text);
}

/** v1 then v2 promoted (so a rollback returns to v1), five hours of traffic, the last two on v2. */
export async function seedModel(server: TestServer): Promise<{ v1: string; v2: string }> {
  await createTestModel(server, MODEL);
  const v1 = await registerLogistic(server, MODEL, [0.3, -0.02], 0.1, {
    metrics: { auc: 0.71 },
    reference: { rows: referenceRows(500) },
  });
  const v2 = await registerLogistic(server, MODEL, [0.4, -0.01], 0.2, {
    metrics: { auc: 0.74 },
    reference: { rows: referenceRows(500) },
  });
  await promote(server, MODEL, v1, 'first release');
  await promote(server, MODEL, v2, 'better offline AUC');
  const now = Date.now();
  const hour = 3_600_000;
  await ingestTraffic(server, MODEL, { version: v1, n: 3000, ctr: 0.06, from: now - 5 * hour, to: now - 2 * hour });
  await ingestTraffic(server, MODEL, { version: v2, n: 2000, ctr: 0.04, from: now - 2 * hour, to: now, priceShift: 3 });
  return { v1, v2 };
}

/** A running A/B test between the two versions, with some traffic on each arm. */
export async function seedExperiment(server: TestServer, control: string, treatment: string): Promise<string> {
  const created = await server.request('POST', '/api/v1/experiments', {
    body: {
      model: MODEL,
      arms: [
        { name: 'control', version: control, weight: 1 },
        { name: 'treatment', version: treatment, weight: 1 },
      ],
      primaryMetric: 'ctr',
    },
  });
  assert.equal(created.status, 201, created.text);
  const now = Date.now();
  await ingestTraffic(server, MODEL, { version: control, arm: 'control', n: 1500, ctr: 0.05, from: now, to: now + 1000 });
  await ingestTraffic(server, MODEL, { version: treatment, arm: 'treatment', n: 1500, ctr: 0.065, from: now, to: now + 1000 });
  return created.body.experiment.id as string;
}
