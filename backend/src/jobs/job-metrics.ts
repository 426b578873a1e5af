import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { JobStore } from './job-store.ts';
import { jobStates } from './job-types.ts';

/** modelwatch_jobs{state}: jobs by state as stored (every replica's), counted at scrape time. */
export function registerJobGauge(prometheus: Registry, jobStore: JobStore, logger: Logger): void {
  new Gauge({
    name: 'modelwatch_jobs',
    help: 'Jobs (retrain) by state, as stored.',
    labelNames: ['state'] as const,
    registers: [prometheus],
    async collect() {
      try {
        const counts = await jobStore.countByState();
        for (const state of jobStates) this.set({ state }, counts[state]);
      } catch (error) {
        logger.warn({ err: error }, 'modelwatch_jobs: counting jobs failed');
      }
    },
  });
}
