/** A monitor on a fresh store of either dialect, for tests and benchmarks (no HTTP). */
import { validateModelSettings } from '../compose/model-settings.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { AuditLog } from '../audit/audit.ts';
import { systemActor } from '../auth/roles.ts';
import { ModelService } from '../models/model-service.ts';
import { migrateToLatest, openStore, type SqlDialect, type Store } from '../store/database.ts';
import { freshPostgresDatabase } from './databases.ts';
import { createMonitorCounters } from '../monitor/metrics-export.ts';
import type { MonitorOptions } from '../monitor/monitor-context.ts';
import { MonitorService } from '../monitor/monitor-service.ts';
import type { ConfiguredKeys } from '../monitor/cardinality.ts';
import type { ChampionLookup } from '../monitor/ports.ts';
import { ProfileStore } from '../monitor/profile-store.ts';

/** No registry in these tests: no model has a champion. */
export const noChampions: ChampionLookup = { champion: async () => undefined };
/** … nor registered versions or experiments: every (version, arm) key is unregistered (monitor/cardinality.ts). */
export const noConfiguredKeys: ConfiguredKeys = { versions: async () => [], arms: async () => [] };

export interface Harness {
  store: Store;
  models: ModelService;
  profiles: ProfileStore;
  audit: AuditLog;
  monitor: MonitorService;
  dataDir: string;
  /** A second monitor on the same store (another process after a crash, or a replica). */
  reopen(options?: MonitorOptions): Promise<MonitorService>;
  close(): Promise<void>;
}

export async function openHarness(dialect: SqlDialect, options: MonitorOptions = {}, existing?: { dataDir: string; databaseUrl?: string }): Promise<Harness> {
  const dataDir = existing?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mw-monitor-'));
  const databaseUrl = existing ? existing.databaseUrl : dialect === 'postgres' ? await freshPostgresDatabase() : undefined;
  const store = await openStore({ dataDir, databaseUrl });
  await migrateToLatest(store);
  const audit = new AuditLog(store);
  const models = new ModelService(store, audit, validateModelSettings, 50);
  const profiles = new ProfileStore(store, models, noChampions);
  const logger = pino({ level: 'silent' });
  // Each monitor its own Prometheus registry: the counters register once per registry.
  const make = (o: MonitorOptions) =>
    new MonitorService(
      { store, models, profiles, audit, logger, counters: createMonitorCounters(new Registry()), champions: noChampions, configuredKeys: noConfiguredKeys },
      { flushIntervalMs: 0, ...o },
    );
  const monitor = make(options);
  await monitor.start();
  const extra: MonitorService[] = [];
  return {
    store,
    models,
    profiles,
    audit,
    monitor,
    dataDir,
    async reopen(o = {}) {
      const m = make({ ...options, ...o });
      await m.start();
      extra.push(m);
      return m;
    },
    async close() {
      for (const m of [monitor, ...extra]) {
        try {
          await m.close();
        } catch {
          // abandoned monitors close without flushing
        }
      }
      await store.close();
      if (!existing) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const actor = systemActor;
