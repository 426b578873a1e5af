import type { Logger } from 'pino';
import type { ActionService } from '../actions/action-service.ts';
import type { GuardrailTotals } from '../actions/promotion-ramp.ts';
import type { AuditLog } from '../audit/audit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { DomainError } from '../core/errors.ts';
import type { Config } from '../core/config.ts';
import type { ServiceMetrics } from '../core/service-metrics.ts';
import type { ArtifactStore } from '../registry/artifact-store.ts';
import { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { ModelService } from '../models/model-service.ts';
import { AliasChanges } from '../registry/alias-changes.ts';
import type { ProfileSink } from '../registry/register-version.ts';
import type { VersionRegistry } from '../registry/versions.ts';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import type { RoutingChannel } from '../store/routing-notifications.ts';
import { resolveProviders } from '../onnx/onnx-session.ts';
import { PredictService } from '../serving/predict.ts';
import { PredictionLog, type PredictionSink } from '../serving/prediction-log.ts';
import { TrafficRouter } from '../serving/router.ts';
import type { RunningExperiments } from '../serving/running-experiments.ts';
import { createServingMetrics } from '../serving/serving-metrics.ts';
import { ServingService } from '../serving/serving-service.ts';
import { SessionPool } from '../onnx/session-pool.ts';
import { createActions } from './actions.ts';
import { createVersionRegistry } from './registry.ts';
import type { VersionStore } from '../registry/version-store.ts';
import { createShadowMetrics } from '../serving/shadow-metrics.ts';
import { registerShadowGauges } from '../serving/shadow-gauges.ts';
import { ShadowPairs } from '../serving/shadow-pairs.ts';
import { ShadowScorer } from '../serving/shadow-scorer.ts';
import { ShadowService, type ShadowMonitor } from '../serving/shadow-service.ts';
import { ShadowStore } from '../serving/shadow-store.ts';
import type { TokenService } from '../auth/tokens.ts';
import { ServingThread, type SpawnWorker } from './serving-thread.ts';

/** Champion requests waiting for the shadow at most (rows); more are dropped and counted. */
const SHADOW_MAX_QUEUED = 2000;
/** How often the shadow's pair sums are written (ms). */
const SHADOW_PAIRS_FLUSH_MS = 2000;

export interface RegistryServingDeps {
  config: Config;
  /** "Now" for prediction time stamps and guardrail windows (the demo compresses time). */
  clock?: Clock;
  logger: Logger;
  store: Store;
  /** The registry's store module (the monitor reads champions through it before the registry exists). */
  versions: VersionStore;
  audit: AuditLog;
  models: ModelService;
  metrics: ServiceMetrics;
  /** The monitor's ProfileStore: registered versions' reference profiles go there. */
  profiles: ProfileSink;
  /** The monitor: its rollup totals are the promotion ramp's guardrails and, with score histograms, the shadow's comparison. */
  monitor: GuardrailTotals & ShadowMonitor;
  /** The monitor: served predictions are logged to it. */
  predictions: PredictionSink;
  /** Where ONNX artifacts are kept (compose/object-storage.ts). */
  artifacts: ArtifactStore;
  /** The running experiments the router assigns units by (the experiments area fills it). */
  runningExperiments: RunningExperiments;
  /** Routing changes pushed between replicas: committed alias changes are notified, notified ones reloaded. */
  routing: RoutingChannel;
  /** The control loops' leases (a canary ramp is one). */
  leases: Leases;
  /** The tokens the dedicated serving thread (MODELWATCH_SERVING_PORT) gets a copy of. */
  tokens: Pick<TokenService, 'grants' | 'subscribe'>;
  /** Starts the serving thread's worker (default: a node:worker_threads Worker). */
  spawnServingWorker?: SpawnWorker | undefined;
  /** false: no background timers (prediction log, alias sync, canary steps); see compose/server.ts ServiceLoops. */
  timers?: boolean;
}

export interface RegistryServing {
  registry: VersionRegistry;
  router: TrafficRouter;
  serving: ServingService;
  actions: ActionService;
  /** Shadow releases: start, stop, compare (serving/shadow-service.ts). */
  shadows: ShadowService;
  /** Loads champion/challenger/experiment versions, starts the alias sync and the serving thread (its URL, when there is one). */
  start(): Promise<{ servingThreadUrl: string | undefined }>;
  /** Without timers: runs the promotion-ramp steps that are due (actions/promotion-ramp.ts tick). */
  stepRamps(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the registry, serving and action services (server.ts calls this once). */
export function createRegistryServing(deps: RegistryServingDeps): RegistryServing {
  const config = deps.config.serving;
  const logger = deps.logger;
  const providers = resolveProviders(config.providers);
  const missing = config.providers.filter((p) => !providers.includes(p));
  if (missing.length) logger.warn({ requested: config.providers, using: providers }, `ONNX execution providers not available in this build: ${missing.join(', ')}; using ${providers.join(', ')}`);
  const metrics = createServingMetrics(deps.metrics.prometheus);
  const pool = new SessionPool((model, version, status) => metrics.setSessionStatus(model, version, status));
  const locks = new KeyedMutex();
  const aliasChanges = new AliasChanges();
  const registry = createVersionRegistry({
    versions: deps.versions,
    audit: deps.audit,
    models: deps.models,
    artifacts: deps.artifacts,
    pool,
    locks,
    logger,
    profiles: deps.profiles,
    aliasChanges,
    sessionOptions: { providers, intraOpThreads: config.intraOpThreads },
  });
  const router = new TrafficRouter({
    pool,
    ensureLoaded: (model, version) => registry.ensureLoaded(model, version),
    experiments: deps.runningExperiments,
    logger,
  });
  // The router follows alias changes the registry commits itself, once their versions are loaded.
  aliasChanges.subscribe((model, aliases) => {
    const versions = [aliases.champion, aliases.challenger].filter((v): v is string => !!v);
    void Promise.allSettled(versions.map((v) => registry.ensureLoaded(model, v))).then(() => router.setAliases(model, aliases));
    deps.routing.notify(model);
  });
  const log = new PredictionLog({
    sink: deps.predictions,
    logger,
    ...config.predictionLog,
    onDropped: (model, count, reason) => metrics.logDropped.inc({ model, reason }, count),
    timers: deps.timers,
  });
  const clock = deps.clock ?? systemClock;
  const shadowStore = new ShadowStore(deps.store);
  const shadowMetrics = createShadowMetrics(deps.metrics.prometheus);
  const shadowPairs = new ShadowPairs({
    store: shadowStore,
    logger,
    flushMs: deps.timers === false ? 0 : SHADOW_PAIRS_FLUSH_MS,
    onLost: (model, pairs) => shadowMetrics.dropped.inc({ model, reason: 'pairs_lost' }, pairs),
  });
  // Stepped (no timers): the minute's shadow work waits for the flush, so the bound is the minute's traffic.
  const shadowScorer = new ShadowScorer({ log, pairs: shadowPairs, metrics: shadowMetrics, logger, ...(deps.timers === false ? { eager: false, maxQueued: 1_000_000 } : { maxQueued: SHADOW_MAX_QUEUED }) });
  const shadows = new ShadowService({ store: shadowStore, router, registry, models: deps.models, monitor: deps.monitor, audit: deps.audit, clock, logger, locks: new KeyedMutex() });
  registerShadowGauges(deps.metrics.prometheus, shadows, { now: () => clock.now(), ttlMs: deps.config.metricsCacheMs, logger });
  const predictor = new PredictService({ router, log, metrics, config, models: deps.models, clock, shadow: shadowScorer });
  // A stepped service is one event loop by design (scenarios): no serving thread there. The
  // thread stamps predictions with the system clock, so a service on another clock (the demo's
  // compressed one) cannot have one either: its predictions would land in the wrong minutes.
  if (config.threadPort !== undefined && deps.timers !== false && clock !== systemClock) {
    throw new DomainError('failed_precondition', 'MODELWATCH_SERVING_PORT: the serving thread runs on the system clock; this service runs on another (the demo\'s compressed clock): unset it');
  }
  const thread =
    config.threadPort !== undefined && deps.timers !== false
      ? new ServingThread({
          config: deps.config,
          logger,
          tokens: deps.tokens,
          router,
          running: deps.runningExperiments,
          registry,
          models: deps.models,
          inbox: { log, metrics, httpDuration: deps.metrics.httpDuration, router, shadow: shadowScorer },
          spawn: deps.spawnServingWorker,
        })
      : undefined;
  const serving = new ServingService({
    registry,
    router,
    pool,
    predictor,
    log,
    locks,
    logger,
    routerSyncMs: deps.timers === false ? 0 : config.routerSyncMs,
    experiments: deps.runningExperiments,
    shadows,
    shadowScorer,
    shadowPairs,
    thread,
  });
  // A change notified by another replica is applied at once. After a reconnect everything is re-read,
  // by a sync that starts now (the first call may join one that started before the reconnect).
  deps.routing.subscribe({ changed: (model) => serving.reloadAliases(model), resync: () => serving.syncAliases().then(() => serving.syncAliases()) });
  const { actions, ramp } = createActions({
    store: deps.store,
    audit: deps.audit,
    models: deps.models,
    registry,
    router,
    pool,
    locks,
    logger,
    prometheus: deps.metrics.prometheus,
    clock,
    monitor: deps.monitor,
    deployment: config.deploymentHook,
    routing: deps.routing,
    leases: deps.leases,
    timers: deps.timers,
  });
  return {
    registry,
    router,
    serving,
    actions,
    shadows,
    async start() {
      await serving.start();
      await ramp.recover();
      return { servingThreadUrl: await thread?.start() };
    },
    stepRamps: () => ramp.tick(),
    async close() {
      await thread?.close();
      await ramp.stop();
      await actions.idle();
      await serving.close();
    },
  };
}
