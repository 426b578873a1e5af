/** Builds the job queue and the retrain job for server.ts (kept here so server.ts stays short). */
import type { AppContext } from '../http/app-context.ts';
import { JobService } from '../jobs/job-service.ts';
import { jobsConfigFromEnv, type JobsConfig } from '../jobs/jobs-config.ts';
import { RetrainService } from '../jobs/retrain-job.ts';

/**
 * `context` is a getter: the services this one uses (monitor, actions, experiments) are
 * looked up when a job runs, so the order of wiring does not matter.
 */
export function createJobs(ctx: Pick<AppContext, 'store' | 'audit' | 'logger' | 'metrics' | 'config' | 'models' | 'registry' | 'clock'>, context: () => Partial<AppContext>, config: JobsConfig = jobsConfigFromEnv()): JobService {
  const jobs = new JobService({
    store: ctx.store,
    audit: ctx.audit,
    logger: ctx.logger.child({ area: 'jobs' }),
    config,
    metrics: ctx.metrics.prometheus,
    actions: () => context().actions,
  });
  new RetrainService({
    jobs,
    models: ctx.models,
    registry: ctx.registry,
    actions: () => context().actions,
    monitor: () => context().monitor,
    experiments: () => (context() as { experiments?: never }).experiments,
    clock: ctx.clock,
    dataDir: ctx.config.dataDir,
    logger: ctx.logger,
  });
  return jobs;
}
