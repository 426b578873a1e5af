import { validateModelSettings } from './model-settings.ts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppContext } from '../http/app-context.ts';
import { AlertService } from '../alerts/alert-service.ts';
import type { ActionPerformer } from '../alerts/action-performer.ts';
import { ServicePerformer } from '../alerts/service-performer.ts';
import { AuditLog } from '../audit/audit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { bootstrapAdminToken } from '../auth/bootstrap.ts';
import type { Actor } from '../auth/roles.ts';
import { TokenService } from '../auth/tokens.ts';
import type { Config } from '../core/config.ts';
import { RunningExperiments } from '../serving/running-experiments.ts';
import { createExperiments } from './experiments.ts';
import { createApp } from '../http/app.ts';
import { allRoutes } from '../http/routes/index.ts';
import { createJobs } from './jobs.ts';
import { createLogger } from '../core/logger.ts';
import { createServiceMetrics } from '../core/service-metrics.ts';
import { createMonitor } from './monitor.ts';
import { ModelService } from '../models/model-service.ts';
import { VersionStore } from '../registry/version-store.ts';
import { createRegistryServing } from './registry-serving.ts';
import { migrateToLatest, openStore } from '../store/database.ts';

/** Parts a caller may supply instead of the real ones (tests record what alerts would do). */
export interface ContextOverrides {
  alertPerformer?: ActionPerformer;
  /** 'kysely': the portable ingest writer on SQLite too (the ingest benchmark compares the two). */
  ingestWriter?: 'auto' | 'kysely';
}

/** Opens the store, migrates it and builds every service. */
export async function createContext(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  clock: Clock = systemClock,
  overrides: ContextOverrides = {},
): Promise<AppContext> {
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; the pool reconnects when next needed'),
  });
  const applied = await migrateToLatest(store);
  if (applied.length) logger.info({ migrations: applied, dialect: store.dialect }, 'store migrated');
  const audit = new AuditLog(store, clock);
  const tokens = new TokenService(store);
  await bootstrapAdminToken(tokens, config, logger);
  const metrics = createServiceMetrics();
  const models = new ModelService(store, audit, validateModelSettings, config.editorMaxTreatmentPercent);
  // The registry's store module comes first: the monitor and profiles read the champion alias through it.
  const versions = new VersionStore(store);
  const { monitor, profiles } = createMonitor({
    store,
    models,
    audit,
    logger,
    prometheus: metrics.prometheus,
    now: () => clock.now(),
    snapshotTtlMs: config.metricsCacheMs,
    champions: { champion: async (model) => (await versions.aliases(model)).champion },
    options: { writer: overrides.ingestWriter ?? 'auto', parkingWindowMs: config.monitor.outcomeParkingWindowMs },
  });
  // Serving routes by the running experiments; the experiments (built after it) fill the table.
  const runningExperiments = new RunningExperiments();
  const registryServing = createRegistryServing({ config, clock, logger, store, versions, audit, models, metrics, profiles, monitor, predictions: monitor, runningExperiments });
  const experiments = createExperiments(
    {
      store,
      audit,
      models,
      registry: registryServing.registry,
      serving: registryServing.serving,
      monitor,
      actions: registryServing.actions,
      runningExperiments,
      clock,
      logger,
      prometheus: metrics.prometheus,
    },
    { exportTtlMs: config.metricsCacheMs, autoDecideIntervalMs: config.autoDecideIntervalMs, closedTotalsTtlMs: config.resultsCacheMs },
  );
  // A retrain's trial experiment (onSuccess "canary") does not come through the route: validate it as the route does.
  const retrainTrials = { create: (input: unknown, actor: Actor) => experiments.createChecked(input, actor) };
  const jobs = createJobs({ config, store, audit, logger, metrics, clock, models, registry: registryServing.registry, monitor, actions: registryServing.actions, experiments: retrainTrials });
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
    experiments,
    runningExperiments,
    jobs,
    alerts: new AlertService({
      store,
      audit,
      logger,
      clock,
      prometheus: metrics.prometheus,
      performer: overrides.alertPerformer ?? new ServicePerformer({ jobs, actions: registryServing.actions, experiments }),
    }),
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

export async function startServer(config: Config, logger?: Logger, clock?: Clock, overrides?: ContextOverrides): Promise<RunningServer> {
  const ctx = await createContext(config, logger, clock, overrides);
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
