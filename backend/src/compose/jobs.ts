/** Builds the job queue with its retrain job for server.ts (kept here so server.ts stays short). */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { ServiceMetrics } from '../core/service-metrics.ts';
import type { ActionUpdater } from '../jobs/job-outcomes.ts';
import { JobService } from '../jobs/job-service.ts';
import type { ActionRecorder } from '../jobs/retrain-action.ts';
import { RetrainJob } from '../jobs/retrain-job.ts';
import type { CandidateRegistry, CanaryExperiments, ModelLookup, TrainingTraffic } from '../jobs/retrain-ports.ts';
import type { ReleaseShadows } from '../jobs/retrain-shadow.ts';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import type { ObjectStorage } from '../store/object-storage.ts';

export interface JobsWiring {
  config: Config;
  store: Store;
  audit: AuditLog;
  logger: Logger;
  metrics: ServiceMetrics;
  clock: Clock;
  /** Where datasets and trainer outputs are kept once a step is done (compose/object-storage.ts). */
  storage: ObjectStorage;
  models: ModelLookup;
  registry: CandidateRegistry;
  /** The monitor: labelled rows to train on, served traffic for the reference profile. */
  monitor: TrainingTraffic;
  /** The action service: retrain actions and their following of the job. */
  actions: ActionRecorder & ActionUpdater;
  /** The experiment service: the canary a retrain may start. */
  experiments: CanaryExperiments;
  /** The shadow service: a retrain with release "shadow-then-canary" starts its challenger as a shadow. */
  shadows: Pick<ReleaseShadows, 'start'>;
  /** Recovery of dead workers' jobs runs on one replica at a time. */
  leases: Leases;
  /** false: the job worker has no timers (JobService.runOnce runs the queue). */
  timers?: boolean;
}

export function createJobs(deps: JobsWiring): JobService {
  const { config } = deps;
  const retrain = new RetrainJob({
    models: deps.models,
    registry: deps.registry,
    traffic: deps.monitor,
    experiments: deps.experiments,
    shadows: deps.shadows,
    config: config.jobs,
    clock: deps.clock,
    dataDir: config.dataDir,
    storage: deps.storage,
  });
  return new JobService({
    store: deps.store,
    audit: deps.audit,
    logger: deps.logger.child({ area: 'jobs' }),
    config: config.jobs,
    handlers: new Map([['retrain', retrain]]),
    actions: deps.actions,
    leases: deps.leases,
    prometheus: deps.metrics.prometheus,
    timers: deps.timers,
    clock: deps.clock,
  });
}
