/**
 * Simulated experiment traffic with realistic clustering, sent through the real HTTP path:
 * units (users) with their own click propensity and a heavy-tailed number of requests;
 * each request goes through POST /predict with its unitId (the router picks the arm), shows
 * one impression, and its outcome goes to POST /outcomes with the prediction id the service
 * answered. Used by experiments/unit-analysis.test.ts and bench/ab/run.ts.
 */
import { createNormal, type Rng } from '../core/random.ts';
import type { TestResponse } from './test-server.ts';

export interface SimUnit {
  id: string;
  /** Click probability per impression. */
  propensity: number;
  requests: number;
}

export interface UnitPopulation {
  units: number;
  /** Mean click propensity (e.g. 0.03). */
  meanCtr: number;
  /** Beta concentration a + b of the propensities: small = very heterogeneous units. */
  concentration: number;
  /** Pareto tail index of requests per unit (smaller = heavier tail). */
  tail: number;
  /** Cap on requests per unit. */
  maxRequests: number;
}

/** Marsaglia–Tsang gamma(shape, 1) draw. */
function gamma(shape: number, rng: Rng, normal: () => number): number {
  if (shape < 1) return gamma(shape + 1, rng, normal) * rng() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Units with Beta(meanCtr·k, (1 − meanCtr)·k) propensities and 1 + ⌊Pareto⌋ requests each. */
export function simulateUnits(p: UnitPopulation, rng: Rng, prefix: string): SimUnit[] {
  const normal = createNormal(rng);
  return Array.from({ length: p.units }, (_, i) => {
    const a = gamma(p.meanCtr * p.concentration, rng, normal);
    const b = gamma((1 - p.meanCtr) * p.concentration, rng, normal);
    const pareto = (1 - rng()) ** (-1 / p.tail) - 1;
    return { id: `${prefix}-${i}`, propensity: a + b > 0 ? a / (a + b) : 0, requests: Math.min(p.maxRequests, 1 + Math.floor(pareto * 2)) };
  });
}

type Request = (method: string, path: string, options?: { body?: unknown }) => Promise<TestResponse>;

/** How requests reach the service: the HTTP API, or the in-process services (no HTTP, no ONNX). */
export interface Transport {
  /** Serves one request per given unit; answers each prediction's id and arm, in order. */
  predict(model: string, units: readonly SimUnit[]): Promise<{ predictionId: string; arm: string }[]>;
  /** Posts outcomes; answers the positions of those whose prediction is not stored yet. */
  outcomes(model: string, records: readonly { id: string; impression: true; click: boolean }[]): Promise<number[]>;
}

const FEATURES = { price: 1, age: 30, category: 'a' };

/** Through POST /predict (router, ONNX, prediction log) and POST /outcomes. */
export function httpTransport(request: Request, chunk = 2000): Transport {
  return {
    async predict(model, units) {
      const out: { predictionId: string; arm: string }[] = [];
      for (let start = 0; start < units.length; start += chunk) {
        const part = units.slice(start, start + chunk);
        const reply = await request('POST', `/api/v1/models/${model}/predict`, { body: { instances: part.map((u) => ({ unitId: u.id, features: FEATURES })) } });
        if (reply.status !== 200) throw new Error(`predict: ${reply.status} ${reply.text}`);
        for (const p of reply.body.predictions as { predictionId: string; arm: string }[]) out.push(p);
      }
      return out;
    },
    async outcomes(model, records) {
      const retry: number[] = [];
      for (let start = 0; start < records.length; start += 5000) {
        const reply = await request('POST', `/api/v1/models/${model}/outcomes`, { body: { records: records.slice(start, start + 5000) } });
        if (reply.status !== 200) throw new Error(`outcomes: ${reply.status} ${reply.text}`);
        for (const r of reply.body.rejected as { index: number }[]) retry.push(start + r.index);
      }
      return retry;
    },
  };
}

export interface ServeOptions {
  /** Multiplier of the propensity per arm name (absent: 1). */
  lift?: Record<string, number>;
  /** Traffic is served in this many equal parts, with `onLook` after each (default 1). */
  looks?: number;
  onLook?: (look: number) => Promise<void>;
}

/**
 * Serves every request of `units` (shuffled, so a unit's requests spread over the window),
 * one impression each with a click drawn from the unit's propensity, in `looks` parts.
 * Outcomes whose prediction is not stored yet (the prediction log is asynchronous) are sent
 * again until they join. Answers the predictions per arm.
 */
export async function serveUnits(t: Transport, model: string, units: readonly SimUnit[], rng: Rng, o: ServeOptions = {}): Promise<Map<string, number>> {
  const queue: SimUnit[] = [];
  for (const u of units) for (let r = 0; r < u.requests; r++) queue.push(u);
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [queue[i], queue[j]] = [queue[j]!, queue[i]!];
  }
  const perArm = new Map<string, number>();
  const looks = o.looks ?? 1;
  for (let look = 0; look < looks; look++) {
    const part = queue.slice(Math.floor((look * queue.length) / looks), Math.floor(((look + 1) * queue.length) / looks));
    const served = await t.predict(model, part);
    let outcomes = served.map((p, k) => {
      perArm.set(p.arm, (perArm.get(p.arm) ?? 0) + 1);
      return { id: p.predictionId, impression: true as const, click: rng() < part[k]!.propensity * (o.lift?.[p.arm] ?? 1) };
    });
    for (let attempt = 0; outcomes.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      if (attempt > 500) throw new Error(`outcomes: ${outcomes.length} still without their prediction`);
      const retry = await t.outcomes(model, outcomes);
      outcomes = retry.map((i) => outcomes[i]!);
    }
    await o.onLook?.(look);
  }
  return perArm;
}
