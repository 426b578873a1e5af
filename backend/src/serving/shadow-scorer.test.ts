import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../core/logger.ts';
import type { ModelSession } from '../onnx/onnx-session.ts';
import { PredictionLog } from './prediction-log.ts';
import { createShadowMetrics } from './shadow-metrics.ts';
import { ShadowPairs } from './shadow-pairs.ts';
import { ShadowScorer } from './shadow-scorer.ts';

const logger = createLogger('silent');

/** A monitor that falls behind: its writes never answer, so the log's queue only grows. */
const stuckSink = { ingestPredictions: () => new Promise<never>(() => undefined) };

test('the shadow leaves the prediction log to served predictions: over half full, it drops and counts', async () => {
  const log = new PredictionLog({ sink: stuckSink, logger, flushMs: 60_000, maxBatch: 1000, maxQueued: 10, timers: false });
  const registry = new Registry();
  const metrics = createShadowMetrics(registry);
  const pairs = new ShadowPairs({ store: { addPairs: async () => undefined }, logger, flushMs: 0 });
  const scorer = new ShadowScorer({ log, pairs, metrics, logger, maxQueued: 100 });
  for (let i = 0; i < 5; i++) log.push('ctr', { id: `c${i}`, ts: 0, version: 'v1', arm: 'champion', features: {}, score: 0.1, latencyMs: 1 });
  // Never scored: dropped at the offer, before the session is used.
  const session = {} as ModelSession;
  scorer.offer({ model: 'ctr', shadow: { version: 'v2', session, thresholds: { champion: 0.5, shadow: 0.5 } }, championVersion: 'v1', ts: 0, rows: [{ features: {}, where: 'body', championScore: 0.1 }] });
  await scorer.idle();
  const dropped = await registry.getSingleMetricAsString('modelwatch_shadow_dropped_total');
  assert.match(dropped, /modelwatch_shadow_dropped_total\{model="ctr",reason="log_busy"\} 1/);
  assert.equal(log.hasRoom(0, 0.5), true, 'the five served records stay queued');
});
