import type { Histogram } from 'prom-client';
import type { PredictionLog } from './prediction-log.ts';
import type { TrafficRouter } from './router.ts';
import type { ServingMetrics } from './serving-metrics.ts';
import type { ShadowScorer } from './shadow-scorer.ts';
import type { ServedBatch } from './worker-protocol.ts';

export interface ServedInboxDeps {
  log: Pick<PredictionLog, 'push'>;
  metrics: Pick<ServingMetrics, 'answered' | 'failed' | 'batchRows'>;
  httpDuration: Pick<Histogram<'method' | 'route' | 'status'>, 'observe'>;
  router: Pick<TrafficRouter, 'shadow'>;
  shadow: Pick<ShadowScorer, 'offer'>;
}

/**
 * The main thread's side of the serving thread's batches (serving/served-outbox.ts): records
 * go to the prediction log (so rollups, experiments and the outcome join see them as if served
 * here), metric calls to ServingMetrics (so /metrics counts them), shadow offers to the shadow
 * scorer with the main thread's session, while it still shadows that version.
 */
export function receiveServed(batch: ServedBatch, deps: ServedInboxDeps): void {
  for (const { model, record } of batch.records) deps.log.push(model, record);
  for (const call of batch.metrics) {
    if (call.kind === 'answered') deps.metrics.answered(call.model, call.version, call.count, call.nonFinite, call.seconds);
    else if (call.kind === 'failed') deps.metrics.failed(call.model, call.version, call.type, call.count, call.seconds);
    else if (call.kind === 'batch') deps.metrics.batchRows.observe(call.rows);
    else deps.httpDuration.observe({ method: call.method, route: call.route, status: call.status }, call.seconds);
  }
  for (const { shadowVersion, ...offer } of batch.shadows) {
    const shadow = deps.router.shadow(offer.model);
    if (shadow?.version === shadowVersion) deps.shadow.offer({ ...offer, shadow });
  }
}
