import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SessionStatus } from '../onnx/session-pool.ts';

export interface ServingMetrics {
  predictions: Counter<'model' | 'version'>;
  predictionErrors: Counter<'model' | 'version'>;
  logDropped: Counter<'model' | 'reason'>;
  batchRows: Histogram;
  sessions: Gauge<'model' | 'version' | 'status'>;
  setSessionStatus(model: string, version: string, status: SessionStatus): void;
}

export function createServingMetrics(registry: Registry): ServingMetrics {
  const sessions = new Gauge({
    name: 'modelwatch_serving_sessions',
    help: 'ONNX sessions by model, version and load status (1 for the current status; failed = cannot serve).',
    labelNames: ['model', 'version', 'status'] as const,
    registers: [registry],
  });
  return {
    predictions: new Counter({
      // modelwatch_predictions_total (the monitor's) counts every ingested prediction, served
      // ones included (they are logged through ingest); this counts what /predict answered.
      name: 'modelwatch_served_predictions_total',
      help: 'Predictions answered by the built-in /predict endpoint, by model and version.',
      labelNames: ['model', 'version'] as const,
      registers: [registry],
    }),
    predictionErrors: new Counter({
      name: 'modelwatch_prediction_errors_total',
      help: 'Predictions that failed inside the model runtime, by model and version.',
      labelNames: ['model', 'version'] as const,
      registers: [registry],
    }),
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
    sessions,
    setSessionStatus(model, version, status) {
      for (const s of ['loaded', 'loading', 'failed'] as const) sessions.set({ model, version, status: s }, s === status ? 1 : 0);
    },
  };
}
