/** Builds the monitor's services and metrics for server.ts (kept here so server.ts stays short). */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit.ts';
import type { ModelService } from '../models/model-service.ts';
import type { Store } from '../store/database.ts';
import { createMonitorCounters, registerMonitorGauges, SNAPSHOT_TTL_MS } from '../monitor/metrics-export.ts';
import { MonitorService, type MonitorOptions } from '../monitor/monitor-service.ts';
import { ProfileStore } from '../monitor/profile-store.ts';

export interface MonitorWiring {
  store: Store;
  models: ModelService;
  audit: AuditLog;
  logger: Logger;
  registry: Registry;
  /** The service clock (domain time). */
  now?: () => number;
  championOf?: (model: string) => Promise<string | undefined>;
  options?: MonitorOptions;
  /** How long the exported gauges' snapshot is reused (default SNAPSHOT_TTL_MS). */
  snapshotTtlMs?: number;
}

export function createMonitor(w: MonitorWiring): { monitor: MonitorService; profiles: ProfileStore } {
  const profiles = new ProfileStore(w.store, w.models, w.championOf ? { championOf: w.championOf } : {});
  const monitor = new MonitorService(
    {
      store: w.store,
      models: w.models,
      profiles,
      audit: w.audit,
      logger: w.logger,
      counters: createMonitorCounters(w.registry),
      ...(w.championOf ? { championOf: w.championOf } : {}),
    },
    { ...(w.now ? { now: w.now } : {}), ...w.options },
  );
  registerMonitorGauges(w.registry, () => monitor.exportSnapshot(w.snapshotTtlMs ?? SNAPSHOT_TTL_MS));
  return { monitor, profiles };
}
