/** Builds the monitor's services and metrics for server.ts (kept here so server.ts stays short). */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Store } from '../store/database.ts';
import { ExperimentStore } from '../experiments/experiment-store.ts';
import type { ConfiguredKeys } from '../monitor/cardinality.ts';
import { createMonitorCounters, registerMonitorGauges, SNAPSHOT_TTL_MS } from '../monitor/metrics-export.ts';
import type { MonitorOptions } from '../monitor/monitor-context.ts';
import { MonitorService } from '../monitor/monitor-service.ts';
import { registerParkingMetrics } from '../monitor/parking-metrics.ts';
import type { ChampionLookup, ModelCatalog, ProfileAudit } from '../monitor/ports.ts';
import { ProfileStore } from '../monitor/profile-store.ts';
import type { VersionStore } from '../registry/version-store.ts';

/** Experiments whose arms keep their rollup keys: the running one and the most recent (cardinality.ts). */
const RECENT_EXPERIMENTS = 20;

export interface MonitorWiring {
  store: Store;
  models: ModelCatalog;
  audit: ProfileAudit;
  logger: Logger;
  prometheus: Registry;
  /** The service clock (domain time). */
  now?: () => number;
  champions: ChampionLookup;
  /** The registry's versions and the experiments' arms: the rollup keys ingest keeps (monitor/cardinality.ts). */
  versions: Pick<VersionStore, 'validations'>;
  options?: MonitorOptions;
  /** How long the exported gauges' snapshot is reused (default SNAPSHOT_TTL_MS). */
  snapshotTtlMs?: number;
}

export function createMonitor(w: MonitorWiring): { monitor: MonitorService; profiles: ProfileStore } {
  const profiles = new ProfileStore(w.store, w.models, w.champions);
  const experiments = new ExperimentStore(w.store);
  const configuredKeys: ConfiguredKeys = {
    versions: async (model) => (await w.versions.validations(model)).keys(),
    arms: async (model) => (await experiments.list({ model, limit: RECENT_EXPERIMENTS })).flatMap((e) => e.arms),
  };
  const monitor = new MonitorService(
    {
      store: w.store,
      models: w.models,
      profiles,
      audit: w.audit,
      logger: w.logger,
      counters: createMonitorCounters(w.prometheus),
      champions: w.champions,
      configuredKeys,
    },
    { ...(w.now ? { now: w.now } : {}), ...w.options },
  );
  registerMonitorGauges(w.prometheus, () => monitor.exportSnapshot(w.snapshotTtlMs ?? SNAPSHOT_TTL_MS));
  registerParkingMetrics(w.prometheus, () => monitor.parkingByModel(), w.snapshotTtlMs ?? SNAPSHOT_TTL_MS, w.logger);
  return { monitor, profiles };
}
