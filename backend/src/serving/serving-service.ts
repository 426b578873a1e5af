import type { Logger } from 'pino';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { Aliases, VersionRegistry } from '../registry/versions.ts';
import type { ModelSession } from '../onnx/onnx-session.ts';
import type { PredictInput, Prediction, PredictService } from './predict.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { CanaryRoute, TrafficRouter } from './router.ts';
import type { ExperimentVersions } from './running-experiments.ts';
import type { SessionPool, SessionStatus } from '../onnx/session-pool.ts';
import { pushAll } from '../core/arrays.ts';
import type { ShadowScorer } from './shadow-scorer.ts';
import type { ShadowPairs } from './shadow-pairs.ts';
import type { ShadowService } from './shadow-service.ts';

export interface ServingState {
  model: string;
  champion: string | null;
  challenger: string | null;
  canary: CanaryRoute | null;
  sessions: Array<{ version: string; status: SessionStatus; error?: string; providers?: string[] }>;
}

export interface ServingServiceDeps {
  registry: VersionRegistry;
  router: TrafficRouter;
  pool: SessionPool;
  predictor: PredictService;
  log: PredictionLog;
  locks: KeyedMutex;
  logger: Logger;
  routerSyncMs: number;
  /** The running experiments, whose versions are loaded at start too. */
  experiments: ExperimentVersions;
  /** Shadows: the router follows the stored ones; their scoring is drained with the log. */
  shadows: Pick<ShadowService, 'sync'>;
  shadowScorer: Pick<ShadowScorer, 'idle'>;
  shadowPairs: Pick<ShadowPairs, 'flush' | 'close'>;
  /** The dedicated serving thread, when there is one: its batched predictions are drained into the log first. */
  thread?: { drain(): Promise<void> } | undefined;
}

/**
 * Serving's life cycle: at start, the router learns every model's aliases and the champion,
 * challenger and experiment versions are loaded and warmed before the service listens; while
 * running, aliases are re-read periodically so a promotion on another replica reaches this
 * one; at shutdown the prediction log is flushed.
 */
export class ServingService {
  private readonly deps: ServingServiceDeps;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(deps: ServingServiceDeps) {
    this.deps = deps;
  }

  predict(model: string, input: PredictInput): Promise<{ predictions: Prediction[] }> {
    return this.deps.predictor.predict(model, input);
  }

  /** Hands every buffered prediction record to the monitor now (tests, shutdown), the shadow's scored first. */
  async flushPredictionLog(): Promise<void> {
    await this.deps.thread?.drain();
    await this.deps.shadowScorer.idle();
    await this.deps.log.flush();
    await this.deps.shadowPairs.flush();
  }

  /** Loads and warms a version ahead of traffic (experiments call this when they start). */
  ensureLoaded(model: string, version: string): Promise<ModelSession> {
    return this.deps.registry.ensureLoaded(model, version);
  }

  async start(): Promise<void> {
    const { router, registry, logger } = this.deps;
    await router.init();
    const all = await registry.allAliases();
    const wanted: Array<{ model: string; version: string }> = [];
    for (const [model, aliases] of all) {
      for (const version of [aliases.champion, aliases.challenger]) if (version) wanted.push({ model, version });
    }
    pushAll(wanted, this.deps.experiments.versions());
    const started = performance.now();
    const results = await Promise.allSettled(wanted.map(({ model, version }) => registry.ensureLoaded(model, version)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    for (const [model, aliases] of all) router.setAliases(model, aliases);
    await this.deps.shadows.sync();
    if (wanted.length) {
      logger.info({ loaded: wanted.length - failed, failed, ms: Math.round(performance.now() - started) }, 'model versions loaded for serving');
    }
    if (this.deps.routerSyncMs > 0) this.scheduleSync();
  }

  /** Re-reads aliases and applies changes made elsewhere (another replica, the CLI). */
  async syncAliases(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const { registry, router } = this.deps;
    const all = await registry.allAliases();
    const models = new Set([...all.keys()]);
    for (const model of models) {
      const wanted = all.get(model) ?? {};
      const have = router.state(model);
      if ((wanted.champion ?? null) === have.champion && (wanted.challenger ?? null) === have.challenger) continue;
      await this.reloadAliases(model);
    }
    await this.deps.shadows.sync();
  }

  /** Re-reads one model's aliases now (another replica notified a change, store/routing-notifications.ts). */
  reloadAliases(model: string): Promise<void> {
    const { registry, router, locks } = this.deps;
    // Under the model lock, re-read: a local action may have committed in between.
    return locks.run(model, async () => {
      const fresh: Aliases = await registry.aliases(model);
      for (const version of [fresh.champion, fresh.challenger]) {
        if (version) await registry.ensureLoaded(model, version).catch(() => undefined);
      }
      router.setAliases(model, fresh);
    });
  }

  private scheduleSync(): void {
    this.syncTimer = setTimeout(() => {
      this.syncAliases()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'router alias sync failed'))
        .finally(() => {
          if (this.syncTimer) this.scheduleSync();
        });
    }, this.deps.routerSyncMs);
    this.syncTimer.unref();
  }

  async state(model: string): Promise<ServingState> {
    const route = this.deps.router.state(model);
    const versions = new Set([...this.deps.pool.knownVersions(model), route.champion, route.challenger, route.canary?.version].filter((v): v is string => !!v));
    return {
      model,
      ...route,
      sessions: [...versions].map((version) => ({ version, ...this.deps.pool.status(model, version) })),
    };
  }

  async close(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.syncing?.catch(() => undefined);
    await this.deps.shadowScorer.idle();
    await this.deps.log.close();
    await this.deps.shadowPairs.close();
    await this.deps.pool.releaseAll();
  }
}
