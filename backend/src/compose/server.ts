import path from 'node:path';
import { modelSettingsValidator, retrainWindowMs } from './model-settings.ts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppContext } from '../http/app-context.ts';
import { TargetedRollback } from '../actions/targeted-rollback.ts';
import { AlertService } from '../alerts/alert-service.ts';
import type { ActionPerformer } from '../alerts/action-performer.ts';
import { ServicePerformer } from '../alerts/service-performer.ts';
import { AuditLog } from '../audit/audit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { bootstrapAdminToken } from '../auth/bootstrap.ts';
import type { Actor } from '../auth/roles.ts';
import { TokenService } from '../auth/tokens.ts';
import type { Config } from '../core/config.ts';
import type { PredictionSink } from '../serving/prediction-log.ts';
import { RunningExperiments } from '../serving/running-experiments.ts';
import { createExperiments } from './experiments.ts';
import { createApp } from '../http/app.ts';
import { allRoutes } from '../http/routes/index.ts';
import { createJobs } from './jobs.ts';
import { createObjectStorage } from './object-storage.ts';
import { ArtifactStore } from '../registry/artifact-store.ts';
import { createLogger } from '../core/logger.ts';
import { createServiceMetrics } from '../core/service-metrics.ts';
import { createMonitor } from './monitor.ts';
import { ModelService } from '../models/model-service.ts';
import { VersionStore } from '../registry/version-store.ts';
import { createRegistryServing } from './registry-serving.ts';
import type { SpawnWorker } from './serving-thread.ts';
import { migrateToLatest, openStore } from '../store/database.ts';
import { Leases, newHolderId } from '../store/leases.ts';
import { RoutingNotifications } from '../store/routing-notifications.ts';
import { Retention } from '../monitor/retention.ts';
import { RetrainTriggers } from '../jobs/retrain-triggers.ts';
import { ShadowReleases } from '../jobs/retrain-shadow.ts';

/** Parts a caller may supply instead of the real ones (tests record what alerts would do). */
export interface ContextOverrides {
  alertPerformer?: ActionPerformer;
  /** 'kysely': the portable ingest writer on SQLite too (the ingest benchmark compares the two). */
  ingestWriter?: 'auto' | 'kysely';
  /** Where served predictions go instead of straight to the monitor (the scenario engine's simulated latency and faults). */
  servedPredictions?: (monitor: PredictionSink) => PredictionSink;
  /** Salts of retrain canaries (the scenario engine: the same seed assigns the same units). */
  experimentSalt?: () => string;
  /** Starts the serving thread's worker (tests keep it, to stop it as a crash would). */
  spawnServingWorker?: SpawnWorker;
}

/** Opens the store, migrates it and builds every service. */
export async function createContext(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
  clock: Clock = systemClock,
  overrides: ContextOverrides = {},
): Promise<AppContext> {
  return (await buildContext(config, logger, clock, overrides, true)).ctx;
}

/** A built context and, with MODELWATCH_SERVING_PORT, the serving thread's URL. */
interface Built {
  ctx: AppContext;
  loops: ServiceLoops;
  servingThreadUrl: string | undefined;
}

/**
 * The service's background loops, each run once and awaited, for a caller that steps the service
 * on its own clock (scenarios/engine.ts calls them in this order every virtual minute).
 */
export interface ServiceLoops {
  /** Served predictions to the monitor (serving/prediction-log.ts). */
  flushPredictions(): Promise<void>;
  /** Buffered rollups to the store (monitor/lifecycle.ts). */
  flushMonitor(): Promise<void>;
  /** The router follows the stored aliases (serving/serving-service.ts). */
  syncAliases(): Promise<void>;
  /** Promotion-ramp steps that are due (actions/promotion-ramp.ts). */
  stepRamps(): Promise<void>;
  /** The autoDecide round (actions/auto-decide.ts). */
  autoDecide(): Promise<void>;
  /** Queued jobs, run to their end (jobs/job-worker.ts). */
  runJobs(): Promise<void>;
  /** A retention pass (monitor/retention.ts); not part of the scenario engine's minute. */
  retain(): Promise<void>;
  /** Scheduled and data-volume retrains that are due (jobs/retrain-triggers.ts); not part of the scenario engine's minute. */
  retrainTriggers(): Promise<void>;
  /** Retrain shadows that are due judged: canary or stop (jobs/retrain-shadow.ts). */
  shadowReleases(): Promise<void>;
}

/** Like createContext, but no background timers: the caller runs each loop through `loops`. */
export async function createSteppedContext(config: Config, logger: Logger, clock: Clock, overrides: ContextOverrides = {}): Promise<{ ctx: AppContext; loops: ServiceLoops }> {
  const { ctx, loops } = await buildContext(config, logger, clock, overrides, false);
  return { ctx, loops };
}

async function buildContext(config: Config, logger: Logger, clock: Clock, overrides: ContextOverrides, timers: boolean): Promise<Built> {
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
  const models = new ModelService(store, audit, modelSettingsValidator(config.monitor.retention), config.editorMaxTreatmentPercent);
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
    versions,
    options: {
      writer: overrides.ingestWriter ?? 'auto',
      parkingWindowMs: config.monitor.outcomeParkingWindowMs,
      maxUnregisteredKeys: config.monitor.maxUnregisteredKeys,
      ingestMaxAgeMs: config.monitor.ingestMaxAgeMs,
      minuteRollupsKeptMs: config.monitor.retention.minuteRollupsMs,
      // Drift and health reuse closed buckets as long as experiment results reuse closed totals.
      closedBucketsTtlMs: config.resultsCacheMs,
      ...(timers ? {} : { flushIntervalMs: 0 }),
    },
  });
  // Serving routes by the running experiments; the experiments (built after it) fill the table.
  const runningExperiments = new RunningExperiments();
  // Routing changes pushed between replicas on PostgreSQL (LISTEN/NOTIFY); the alias and experiment syncs stay as the fallback.
  const routing = new RoutingNotifications({ store, databaseUrl: config.databaseUrl, logger });
  // Artifacts and job outputs: in the data folder, PostgreSQL or S3 (docs/operations.md "Artifact storage"); uploads are staged locally.
  const storage = createObjectStorage(config.storage, store, config.dataDir);
  const artifacts = new ArtifactStore(storage, path.join(config.dataDir, 'artifacts', 'incoming'));
  // The control loops (canary ramps, auto-decide, job recovery, retrain triggers, retention) run on one replica each (store/leases.ts).
  const leases = new Leases(store, { holder: newHolderId(), ttlMs: config.leaseMs, logger: logger.child({ area: 'leases' }) });
  const registryServing = createRegistryServing({
    config,
    clock,
    logger,
    store,
    versions,
    audit,
    models,
    metrics,
    profiles,
    monitor,
    artifacts,
    predictions: overrides.servedPredictions?.(monitor) ?? monitor,
    runningExperiments,
    routing,
    leases,
    tokens,
    timers,
    spawnServingWorker: overrides.spawnServingWorker,
  });
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
      routing,
      clock,
      logger,
      prometheus: metrics.prometheus,
      leases,
    },
    {
      exportTtlMs: config.metricsCacheMs,
      autoDecideIntervalMs: timers ? config.autoDecideIntervalMs : 0,
      closedTotalsTtlMs: config.resultsCacheMs,
      // One process without timers: its own changes reach the routing table at once (running-sync.ts publish).
      ...(timers ? {} : { refreshMs: 0 }),
    },
  );
  // A retrain's trial experiment (onSuccess "canary") does not come through the route: validate it as the route does.
  const salt = overrides.experimentSalt;
  const retrainTrials = {
    create: (input: unknown, actor: Actor) => experiments.createChecked(salt && input !== null && typeof input === 'object' ? { salt: salt(), ...input } : input, actor),
  };
  const jobs = createJobs({ config, store, audit, logger, metrics, clock, storage, models, registry: registryServing.registry, monitor, actions: registryServing.actions, experiments: retrainTrials, shadows: registryServing.shadows, leases, timers });
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
    shadows: registryServing.shadows,
    experiments,
    runningExperiments,
    jobs,
    retrainTriggers: new RetrainTriggers({ clock, logger: logger.child({ area: 'retrain-triggers' }), models, jobs, totals: monitor, leases }),
    shadowReleases: new ShadowReleases({ shadows: registryServing.shadows, experiments: retrainTrials, registry: registryServing.registry, models, clock, logger: logger.child({ area: 'shadow-releases' }), leases }),
    alerts: new AlertService({
      store,
      audit,
      logger,
      clock,
      prometheus: metrics.prometheus,
      performer:
        overrides.alertPerformer ??
        new ServicePerformer({
          jobs,
          actions: new TargetedRollback({ champions: registryServing.registry, experiments, actions: registryServing.actions }),
          experiments,
          shadows: registryServing.shadows,
        }),
    }),
    onClose: [],
  };
  // Replays batches a stopped process left unflushed; closes (final flush) after serving.
  await monitor.start();
  ctx.onClose.push(() => monitor.close());
  // Before serving starts: it loads the running experiments' versions and routes by them.
  await ctx.experiments.start();
  ctx.onClose.push(() => ctx.experiments.close());
  ctx.onClose.push(() => storage.close());
  // A data folder from before shared storage: its artifacts are copied in, so every replica can load them.
  const local = await artifacts.importLocal(path.join(config.dataDir, 'artifacts'));
  if (local.imported) logger.info({ imported: local.imported, storage: storage.kind }, 'artifacts of the data folder copied into the artifact storage');
  if (local.corrupt.length) logger.warn({ files: local.corrupt }, 'artifacts of the data folder not copied: their bytes do not match their checksum');
  // Keep last: loads champion/challenger sessions before listening; on shutdown its close
  // (flushing served predictions to the monitor) runs first, while the monitor is still open.
  const { servingThreadUrl } = await registryServing.start();
  ctx.onClose.push(() => registryServing.close());
  // Listens once serving routes (a stepped context is one process: nothing to listen for); stops first on shutdown.
  if (timers) await routing.start();
  ctx.onClose.push(() => routing.close());
  // Jobs start once what they use is up, and stop first on shutdown (running ones go back to the queue).
  await ctx.jobs.start();
  ctx.onClose.push(() => ctx.jobs.stop());
  // Deletes what is past retention, one replica at a time; refreshes the store gauges of /metrics.
  const retention = new Retention(
    { store, leases, logger, prometheus: metrics.prometheus, now: () => clock.now(), retrainWindowMs },
    { ...config.monitor.retention, intervalMs: timers ? config.monitor.retention.intervalMs : 0 },
  );
  retention.start();
  ctx.onClose.push(() => retention.close());
  // Cron-scheduled and data-volume retrains: a check each 30 s (a schedule's step is a minute).
  ctx.retrainTriggers.start(timers ? 30_000 : 0);
  ctx.onClose.push(() => ctx.retrainTriggers.close());
  // Retrain shadows whose time is up are judged: canary or stop (jobs/retrain-shadow.ts).
  ctx.shadowReleases.start(timers ? 30_000 : 0);
  ctx.onClose.push(() => ctx.shadowReleases.close());
  const loops: ServiceLoops = {
    flushPredictions: () => registryServing.serving.flushPredictionLog(),
    flushMonitor: () => monitor.flush(),
    syncAliases: () => registryServing.serving.syncAliases(),
    stepRamps: () => registryServing.stepRamps(),
    autoDecide: async () => {
      await experiments.evaluateRunning({ onlyAutoDecide: true });
    },
    runJobs: () => jobs.runOnce(),
    retain: async () => {
      await retention.runOnce();
    },
    retrainTriggers: () => ctx.retrainTriggers.tick(),
    shadowReleases: async () => {
      await ctx.shadowReleases.tick();
    },
  };
  return { ctx, loops, servingThreadUrl };
}

export interface RunningServer {
  ctx: AppContext;
  server: Server;
  url: string;
  /** The dedicated serving thread's URL (MODELWATCH_SERVING_PORT); undefined without one. */
  servingUrl: string | undefined;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger?: Logger, clock?: Clock, overrides?: ContextOverrides): Promise<RunningServer> {
  const { ctx, servingThreadUrl } = await buildContext(config, logger ?? createLogger(config.logLevel), clock ?? systemClock, overrides ?? {}, true);
  const app = createApp(ctx, allRoutes(ctx));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  ctx.logger.info({ url, ...(servingThreadUrl ? { servingUrl: servingThreadUrl } : {}), dialect: ctx.store.dialect, dataDir: config.dataDir }, 'ModelWatch listening');
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
  return { ctx, server, url, servingUrl: servingThreadUrl, close };
}
