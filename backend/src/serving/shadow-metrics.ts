import { Counter, type Registry } from 'prom-client';

/**
 * The shadow scorer's counters, labelled by model only (one shadow per model at a time, so the
 * series are bounded by the models). The comparison gauges are in shadow-gauges.ts.
 */
export interface ShadowMetrics {
  scored: Counter<'model' | 'status'>;
  dropped: Counter<'model' | 'reason'>;
  pairs: Counter<'model'>;
  agreements: Counter<'model'>;
}

export function createShadowMetrics(registry: Registry): ShadowMetrics {
  return {
    scored: new Counter({
      name: 'modelwatch_shadow_predictions_total',
      help: 'Predictions a shadow version scored beside the champion (never served), by model and status (ok, error).',
      labelNames: ['model', 'status'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'modelwatch_shadow_dropped_total',
      help: 'Champion predictions the shadow did not score, by model and reason (overflow: the shadow queue was full; log_busy: the prediction log was over half full; pairs_lost: pair sums not written).',
      labelNames: ['model', 'reason'] as const,
      registers: [registry],
    }),
    pairs: new Counter({
      name: 'modelwatch_shadow_pairs_total',
      help: 'Champion/shadow score pairs (both scores finite), by model.',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    agreements: new Counter({
      name: 'modelwatch_shadow_decision_agreements_total',
      help: 'Pairs whose decisions at the decision threshold agree, by model (divide by modelwatch_shadow_pairs_total).',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
  };
}
