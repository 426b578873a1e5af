import { validateModelSettings } from './model-settings.ts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppContext } from '../http/app-context.ts';
import { AlertService } from '../alerts/alert-service.ts';
import { contextActionPerformer } from '../alerts/context-performer.ts';
import { AuditLog } from '../audit/audit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { bootstrapAdminToken } from '../auth/bootstrap.ts';
import { TokenService } from '../auth/tokens.ts';
import type { Config } from '../core/config.ts';
import { ExperimentService } from '../experiments/experiment-service.ts';
import { createApp } from '../http/app.ts';
import { allRoutes } from '../http/routes/index.ts';
import { createJobs } from './jobs.ts';
import { createLogger } from '../core/logger.ts';
import { createServiceMetrics } from '../core/service-metrics.ts';
import { createMonitor } from './monitor.ts';
import { ModelService } from '../models/model-service.ts';
import { createRegistryServing } from './registry-serving.ts';
import { migrateToLatest, openStore } from '../store/database.ts';

/** Opens the store, migrates it and builds every service. */
export async function createContext(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  clock: Clock = systemClock,
): Promise<AppContext> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const applied = await migrateToLatest(store);
  if (applied.length) logger.info({ migrations: applied, dialect: store.dialect }, 'store migrated');
  const audit = new AuditLog(store, clock);
  const tokens = new TokenService(store);
  await bootstrapAdminToken(tokens, config, logger);
  const metrics = createServiceMetrics();
  const models = new ModelService(store, audit, validateModelSettings);
  const { monitor, profiles } = createMonitor({
    store,
    models,
    audit,
    logger,
    registry: metrics.prometheus,
    now: () => clock.now(),
    snapshotTtlMs: config.metricsCacheMs,
    championOf: async (model) => (await ctx.registry.aliases(model)).champion,
  });
  // Monitor, profiles and experiments are looked up on ctx when used (wired below or later).
  const registryServing = createRegistryServing({ config, clock, logger, store, audit, models, metrics, services: () => ctx as never });
  const ctx: AppContext = {
    config,
    clock,
    logger,
    store,
    metrics,
    tokens,
    audit,
    models,
    monitor,
    profiles,
    registry: registryServing.registry,
    actions: registryServing.actions,
    router: registryServing.router,
    serving: registryServing.serving,
    experiments: new ExperimentService(
      { store, audit, models, clock, logger, registry: metrics.prometheus, peers: () => ctx },
      { exportTtlMs: config.metricsCacheMs, autoDecideIntervalMs: config.autoDecideIntervalMs, closedTotalsTtlMs: config.resultsCacheMs },
    ),
    jobs: createJobs({ store, audit, logger, metrics, config, models, registry: registryServing.registry, clock }, () => ctx),
    alerts: new AlertService({ store, audit, logger, clock, registry: metrics.prometheus, performer: contextActionPerformer(() => ctx) }),
    onClose: [],
  };
  // Replays batches a stopped process left unflushed; closes (final flush) after serving.
  await monitor.start();
  ctx.onClose.push(() => monitor.close());
  // Before serving starts: it loads the running experiments' versions and routes by them.
  await ctx.experiments.start();
  ctx.onClose.push(() => ctx.experiments.close());
  // Keep last: loads champion/challenger sessions before listening; on shutdown its close
  // (flushing served predictions to the monitor) runs first, while the monitor is still open.
  await registryServing.start();
  ctx.onClose.push(() => registryServing.close());
  // Jobs start once what they use is up, and stop first on shutdown (running ones go back to the queue).
  await ctx.jobs.start();
  ctx.onClose.push(() => ctx.jobs.stop());
  return ctx;
}

export interface RunningServer {
  ctx: AppContext;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger?: Logger, clock?: Clock): Promise<RunningServer> {
  const ctx = await createContext(config, logger, clock);
  const app = createApp(ctx, allRoutes(ctx));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  ctx.logger.info({ url, dialect: ctx.store.dialect, dataDir: config.dataDir }, 'ModelWatch listening');
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const step of [...ctx.onClose].reverse()) await step();
      await ctx.store.close();
    })());
  return { ctx, server, url, close };
}
