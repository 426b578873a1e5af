import { createRng } from '../core/random.ts';

/** The features of retrainTraffic's model. */
export const retrainFeatures = [
  { name: 'x1', type: 'numeric' },
  { name: 'x2', type: 'numeric' },
  { name: 'x3', type: 'numeric' },
  { name: 'country', type: 'categorical' },
];

/** Deterministic traffic: click probability sigmoid(1.5·x1 − x2 − 0.5). */
export function retrainTraffic(n: number, seed: number, now: number) {
  const rand = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const predictions = [];
  const outcomes = [];
  for (let i = 0; i < n; i++) {
    const x1 = normal();
    const x2 = normal();
    const x3 = rand();
    const p = 1 / (1 + Math.exp(-(1.5 * x1 - x2 - 0.5)));
    const id = `p${seed}-${i}`;
    const ts = now - (n - i) * 60_000;
    predictions.push({ id, ts, version: 'external', features: { x1, x2, x3, country: ['de', 'fr', 'us'][i % 3] }, score: p, latencyMs: 3 });
    outcomes.push({ id, ts: ts + 1000, impression: 1, click: rand() < p ? 1 : 0 });
  }
  return { predictions, outcomes };
}
