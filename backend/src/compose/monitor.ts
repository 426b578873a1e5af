/** Builds the monitor's services and metrics for server.ts (kept here so server.ts stays short). */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Store } from '../store/database.ts';
import { createMonitorCounters, registerMonitorGauges, SNAPSHOT_TTL_MS } from '../monitor/metrics-export.ts';
import type { MonitorOptions } from '../monitor/monitor-context.ts';
import { MonitorService } from '../monitor/monitor-service.ts';
import { registerParkingMetrics } from '../monitor/parking-metrics.ts';
import type { ChampionLookup, ModelCatalog, ProfileAudit } from '../monitor/ports.ts';
import { ProfileStore } from '../monitor/profile-store.ts';

export interface MonitorWiring {
  store: Store;
  models: ModelCatalog;
  audit: ProfileAudit;
  logger: Logger;
  prometheus: Registry;
  /** The service clock (domain time). */
  now?: () => number;
  champions: ChampionLookup;
  options?: MonitorOptions;
  /** How long the exported gauges' snapshot is reused (default SNAPSHOT_TTL_MS). */
  snapshotTtlMs?: number;
}

export function createMonitor(w: MonitorWiring): { monitor: MonitorService; profiles: ProfileStore } {
  const profiles = new ProfileStore(w.store, w.models, w.champions);
  const monitor = new MonitorService(
    {
      store: w.store,
      models: w.models,
      profiles,
      audit: w.audit,
      logger: w.logger,
      counters: createMonitorCounters(w.prometheus),
      champions: w.champions,
    },
    { ...(w.now ? { now: w.now } : {}), ...w.options },
  );
  registerMonitorGauges(w.prometheus, () => monitor.exportSnapshot(w.snapshotTtlMs ?? SNAPSHOT_TTL_MS));
  registerParkingMetrics(w.prometheus, () => monitor.parkingByModel(), w.snapshotTtlMs ?? SNAPSHOT_TTL_MS, w.logger);
  return { monitor, profiles };
}
