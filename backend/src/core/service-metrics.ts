import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per service instance (tests start many in one process, so the
 * global default registry is never used). Areas register their own metrics on it.
 */
export interface ServiceMetrics {
  prometheus: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'modelwatch_' });
  // These three are gauges named like counters, which `promtool check metrics` rejects; the
  // per-type gauges without the suffix (modelwatch_nodejs_active_handles, ...) remain.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`modelwatch_nodejs_${name}`);
  }
  const httpDuration = new Histogram({
    name: 'modelwatch_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { prometheus: registry, httpDuration };
}
