import type { Logger } from 'pino';
import type { AlertService } from '../alerts/alert-service.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Config } from '../core/config.ts';
import type { ExperimentService } from '../actions/experiment-service.ts';
import type { JobService } from '../jobs/job-service.ts';
import type { RetrainTriggers } from '../jobs/retrain-triggers.ts';
import type { ShadowReleases } from '../jobs/retrain-shadow.ts';
import type { ServiceMetrics } from '../core/service-metrics.ts';
import type { ActionService } from '../actions/action-service.ts';
import type { MonitorService } from '../monitor/monitor-service.ts';
import type { ProfileStore } from '../monitor/profile-store.ts';
import type { ModelService } from '../models/model-service.ts';
import type { VersionRegistry } from '../registry/versions.ts';
import type { TrafficRouter } from '../serving/router.ts';
import type { RunningExperiments } from '../serving/running-experiments.ts';
import type { ServingService } from '../serving/serving-service.ts';
import type { ShadowService } from '../serving/shadow-service.ts';
import type { Store } from '../store/database.ts';

/**
 * The service's parts, built once at start (see server.ts) and handed to the routes.
 * Each area adds its service here.
 */
export interface AppContext {
  config: Config;
  /** Use this, never Date.now(), for anything time-based in the domain (the demo compresses time). */
  clock: Clock;
  logger: Logger;
  store: Store;
  metrics: ServiceMetrics;
  tokens: TokenService;
  audit: AuditLog;
  models: ModelService;
  /** Monitoring engine: ingest, rollups, KPI/drift/health queries (monitor/). */
  monitor: MonitorService;
  /** Reference profiles per model version (monitor/). */
  profiles: ProfileStore;
  /** Alert webhooks, policies, incidents (alerts/). */
  alerts: AlertService;
  /** Model versions, artifacts, aliases (registry/versions.ts). */
  registry: VersionRegistry;
  /** Promote, rollback, and the generic action record with idempotency (actions/). */
  actions: ActionService;
  /** Picks the serving version per unit (serving/router.ts). */
  router: TrafficRouter;
  /** Predict, session loading, serving state (serving/). */
  serving: ServingService;
  /** Shadow releases: a version scoring the champion's traffic unserved, compared live (serving/shadow-service.ts). */
  shadows: ShadowService;
  /** A/B experiments: results, ramps (experiments/); stop decisions, autoDecide (actions/). */
  experiments: ExperimentService;
  /** The running experiment per model that the router assigns units by (serving/running-experiments.ts). */
  runningExperiments: RunningExperiments;
  /** Job queue and workers: retrain jobs, their logs, GPU slots (jobs/). */
  jobs: JobService;
  /** Scheduled and data-volume retrains (jobs/retrain-triggers.ts). */
  retrainTriggers: RetrainTriggers;
  /** Retrain shadows judged when due: canary or stop (jobs/retrain-shadow.ts). */
  shadowReleases: ShadowReleases;
  /** Work to do on shutdown (flush rollups, stop workers), run in reverse order. */
  onClose: Array<() => Promise<void> | void>;
}
