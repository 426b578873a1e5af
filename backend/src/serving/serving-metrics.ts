import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SessionStatus } from '../onnx/session-pool.ts';

/**
 * Why a prediction failed: a fixed set, so the `type` label stays bounded (never an error
 * message). docs/metrics.md says which response each one is.
 */
export const PREDICTION_ERROR_TYPES = ['validation', 'unavailable', 'model_error', 'non_finite', 'internal'] as const;
export type PredictionErrorType = (typeof PREDICTION_ERROR_TYPES)[number];

/** Classic buckets from 0.5 ms (one small model) to 10 s (a stuck session); prom-client has no native histograms. */
export const PREDICTION_LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServingMetrics {
  /** `count` predictions of one version answered (`nonFinite` of them without a finite score), `seconds` after their request arrived. */
  answered(model: string, version: string, count: number, nonFinite: number, seconds: number): void;
  /**
   * `count` predictions that failed. `version` is set only when a version's runtime failed
   * (`model_error`, then `seconds` is its latency); a request refused before scoring has none.
   */
  failed(model: string, version: string | undefined, type: PredictionErrorType, count: number, seconds?: number): void;
  logDropped: Counter<'model' | 'reason'>;
  batchRows: Histogram;
  setSessionStatus(model: string, version: string, status: SessionStatus): void;
}

export function createServingMetrics(registry: Registry): ServingMetrics {
  const sessions = new Gauge({
    name: 'modelwatch_serving_sessions',
    help: 'ONNX sessions by model, version and load status (1 for the current status; failed = cannot serve).',
    labelNames: ['model', 'version', 'status'] as const,
    registers: [registry],
  });
  const served = new Counter({
    // modelwatch_predictions_total (the monitor's) counts every ingested prediction, served
    // ones included (they are logged through ingest); this counts what /predict answered.
    name: 'modelwatch_served_predictions_total',
    help: 'Predictions answered by the built-in /predict endpoint, by model and version.',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'modelwatch_prediction_requests_total',
    help: 'Predictions asked of /predict (one per instance), by model, version (absent when refused before scoring) and status (ok, error).',
    labelNames: ['model', 'version', 'status'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'modelwatch_prediction_errors_total',
    help: 'Predictions that failed, by model, version (absent when refused before scoring) and type (validation, unavailable, model_error, non_finite, internal).',
    labelNames: ['model', 'version', 'type'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'modelwatch_prediction_latency_seconds',
    help: 'Time from a /predict request arriving to its version scoring it (or failing in the runtime), per prediction, by model and version.',
    labelNames: ['model', 'version'] as const,
    buckets: PREDICTION_LATENCY_BUCKETS,
    registers: [registry],
  });
  const observe = (model: string, version: string, count: number, seconds: number) => {
    const child = latency.labels({ model, version });
    for (let i = 0; i < count; i++) child.observe(seconds);
  };
  return {
    answered(model, version, count, nonFinite, seconds) {
      served.inc({ model, version }, count);
      if (count > nonFinite) requests.inc({ model, version, status: 'ok' }, count - nonFinite);
      if (nonFinite > 0) {
        requests.inc({ model, version, status: 'error' }, nonFinite);
        errors.inc({ model, version, type: 'non_finite' }, nonFinite);
      }
      observe(model, version, count, seconds);
    },
    failed(model, version, type, count, seconds) {
      const where = version === undefined ? { model } : { model, version };
      requests.inc({ ...where, status: 'error' }, count);
      errors.inc({ ...where, type }, count);
      if (version !== undefined && seconds !== undefined) observe(model, version, count, seconds);
    },
    logDropped: new Counter({
      name: 'modelwatch_prediction_log_dropped_total',
      help: 'Served predictions not logged to the monitor (buffer overflow, monitor missing, rejected, ingest failed).',
      labelNames: ['model', 'reason'] as const,
      registers: [registry],
    }),
    batchRows: new Histogram({
      name: 'modelwatch_serving_batch_rows',
      help: 'Rows per ONNX session run (micro-batching gathers concurrent requests).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096],
      registers: [registry],
    }),
    setSessionStatus(model, version, status) {
      for (const s of ['loaded', 'loading', 'failed'] as const) sessions.set({ model, version, status: s }, s === status ? 1 : 0);
    },
  };
}
