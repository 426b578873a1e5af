import path from 'node:path';
import type { Logger } from 'pino';
import { ActionService } from '../actions/action-service.ts';
import { CanaryController } from '../actions/canary.ts';
import type { AuditLog } from '../audit/audit.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { ServiceMetrics } from '../core/service-metrics.ts';
import { ArtifactStore } from '../registry/artifact-store.ts';
import { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { ModelService } from '../models/model-service.ts';
import { VersionRegistry, type ProfileSink } from '../registry/versions.ts';
import type { Store } from '../store/database.ts';
import { resolveProviders } from '../onnx/onnx-session.ts';
import { PredictService } from '../serving/predict.ts';
import { PredictionLog, type PredictionSink } from '../serving/prediction-log.ts';
import { TrafficRouter, type ExperimentAssigner } from '../serving/router.ts';
import { servingConfigFromEnv, type ServingConfig } from '../serving/serving-config.ts';
import { createServingMetrics } from '../serving/serving-metrics.ts';
import { ServingService, type ExperimentVersions } from '../serving/serving-service.ts';
import { SessionPool } from '../onnx/session-pool.ts';
import type { MonitorTotals } from '../actions/canary.ts';

/** Services of other areas this one uses when they exist (looked up at call time). */
export interface OptionalServices {
  monitor?: Partial<PredictionSink & MonitorTotals>;
  profiles?: Partial<ProfileSink>;
  experiments?: Partial<ExperimentAssigner & ExperimentVersions>;
}

export interface RegistryServingDeps {
  config: Config;
  /** "Now" for prediction time stamps and guardrail windows (the demo compresses time). */
  clock?: Clock;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  models: ModelService;
  metrics: ServiceMetrics;
  /** The AppContext, read lazily: monitor/profiles/experiments may be wired after us. */
  services: () => OptionalServices;
  serving?: ServingConfig;
}

export interface RegistryServing {
  registry: VersionRegistry;
  router: TrafficRouter;
  serving: ServingService;
  actions: ActionService;
  /** Loads champion/challenger/experiment versions and starts the alias sync. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the registry, serving and action services (server.ts calls this once). */
export function createRegistryServing(deps: RegistryServingDeps): RegistryServing {
  const config = deps.serving ?? servingConfigFromEnv();
  const logger = deps.logger;
  const providers = resolveProviders(config.providers);
  const missing = config.providers.filter((p) => !providers.includes(p));
  if (missing.length) logger.warn({ requested: config.providers, using: providers }, `ONNX execution providers not available in this build: ${missing.join(', ')}; using ${providers.join(', ')}`);
  const metrics = createServingMetrics(deps.metrics.prometheus);
  const pool = new SessionPool((model, version, status) => metrics.setSessionStatus(model, version, status));
  const locks = new KeyedMutex();
  const sinkOf = <T extends object>(value: unknown, method: string): T | undefined =>
    value && typeof (value as Record<string, unknown>)[method] === 'function' ? (value as T) : undefined;
  const registry = new VersionRegistry({
    store: deps.store,
    audit: deps.audit,
    models: deps.models,
    artifacts: new ArtifactStore(path.join(deps.config.dataDir, 'artifacts')),
    pool,
    locks,
    logger,
    profiles: () => sinkOf<ProfileSink>(deps.services().profiles, 'save'),
    sessionOptions: { providers, intraOpThreads: config.intraOpThreads },
  });
  const router = new TrafficRouter({
    pool,
    ensureLoaded: (model, version) => registry.ensureLoaded(model, version),
    experiments: () => sinkOf<ExperimentAssigner>(deps.services().experiments, 'assign'),
    logger,
  });
  registry.onAliasesChanged = (model, aliases) => {
    const versions = [aliases.champion, aliases.challenger].filter((v): v is string => !!v);
    void Promise.allSettled(versions.map((v) => registry.ensureLoaded(model, v))).then(() => router.setAliases(model, aliases));
  };
  const log = new PredictionLog({
    sink: () => sinkOf<PredictionSink>(deps.services().monitor, 'ingestPredictions'),
    logger,
    ...config.predictionLog,
    onDropped: (model, count, reason) => metrics.logDropped.inc({ model, reason }, count),
  });
  const clock = deps.clock ?? systemClock;
  const predictor = new PredictService({ router, log, metrics, config, models: deps.models, clock });
  const serving = new ServingService({
    registry,
    router,
    pool,
    predictor,
    log,
    locks,
    logger,
    routerSyncMs: config.routerSyncMs,
    experiments: () => sinkOf<ExperimentVersions>(deps.services().experiments, 'servingVersions'),
  });
  const actions = new ActionService({
    store: deps.store,
    audit: deps.audit,
    models: deps.models,
    registry,
    router,
    pool,
    locks,
    logger,
    metrics: deps.metrics.prometheus,
    deployment: config.deploymentHook,
  });
  const canary = new CanaryController({
    actions,
    router,
    locks,
    logger,
    store: deps.store,
    audit: deps.audit,
    clock,
    monitor: () => sinkOf<MonitorTotals>(deps.services().monitor, 'totals'),
  });
  actions.canary = canary;
  return {
    registry,
    router,
    serving,
    actions,
    async start() {
      await serving.start();
      await canary.recover();
    },
    async close() {
      canary.stop();
      await actions.idle();
      await serving.close();
    },
  };
}
