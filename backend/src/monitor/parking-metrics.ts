/**
 * Parked outcomes as Prometheus metrics (docs/metrics.md), read from the store at scrape time
 * (cached like the other monitor gauges), so every replica exports the same database-wide
 * values and the expired total survives restarts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { TtlCache } from '../core/ttl-cache.ts';
import type { ParkingCounts } from './parking-store.ts';

export function registerParkingMetrics(
  prometheus: Registry,
  counts: () => Promise<Map<string, ParkingCounts>>,
  ttlMs: number,
  logger: Logger,
): void {
  const cache = new TtlCache<Map<string, ParkingCounts>>({
    onError: (error) => {
      logger.error({ err: error }, 'monitor: parked outcome counts failed');
      return new Map();
    },
  });
  const read = () => cache.get(ttlMs, counts);
  new Gauge({
    name: 'modelwatch_outcomes_parked',
    help: 'Outcomes waiting for their prediction (parked, within the parking window)',
    labelNames: ['model'],
    registers: [prometheus],
    async collect() {
      const all = await read();
      this.reset();
      for (const [model, c] of all) this.set({ model }, c.parked);
    },
  });
  new Counter({
    name: 'modelwatch_outcomes_expired_total',
    help: 'Parked outcomes whose prediction did not arrive within the parking window',
    labelNames: ['model'],
    registers: [prometheus],
    async collect() {
      const all = await read();
      this.reset();
      for (const [model, c] of all) this.inc({ model }, c.expired);
    },
  });
}
