import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../errors.ts';
import { unavailable, type ActionPerformer, type ActionResult } from './action-performer.ts';

/**
 * The real performer: the services on AppContext (INTERFACES.md names), looked up at call
 * time (the context is still being built when this is). Rollback is ctx.actions.rollback.
 * Retrain and stopping experiments go to services built in parallel with this one; until a
 * build has them, those actions fail with a 503-style `unavailable` error, recorded on the
 * decision (and retried by the sender's next delivery).
 */
interface JobsLike {
  /** INTERFACES.md: `enqueue({type: 'retrain', model, runner, gpus, params, reason, actor})`. */
  enqueue(input: Record<string, unknown>): Promise<unknown>;
  /** A retrain action (action record + job) with the Idempotency-Key contract, if the job service offers one. */
  retrain(model: string, input: Record<string, unknown>, actor: Actor, idempotencyKey?: string): Promise<unknown>;
}
interface ExperimentsLike {
  stop(id: string, input: { decision: string; reason?: string }, actor: Actor, idempotencyKey?: string): Promise<unknown>;
}

type MaybeServices = {
  jobs?: Partial<JobsLike>;
  experiments?: Partial<ExperimentsLike>;
};

/** Ids out of what a service returns: an action reply `{action}`, a job, or `{action, job}`. */
export function resultIds(value: unknown): ActionResult {
  const object = (value ?? {}) as Record<string, any>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  if (object.action && typeof object.action === 'object') {
    return { actionId: str(object.action.id), jobId: str(object.action.jobId) ?? str(object.job?.id), status: str(object.action.status) };
  }
  if ('progress' in object || 'runner' in object) return { actionId: str(object.actionId), jobId: str(object.id), status: str(object.status) };
  return { actionId: str(object.id), jobId: str(object.jobId), status: str(object.status) };
}

/** `context` is a getter: the performer is built while the context itself is being built. */
export function contextActionPerformer(context: () => AppContext): ActionPerformer {
  const services = () => context() as unknown as MaybeServices;
  return {
    async retrain(model, reason, actor, idempotencyKey, options) {
      const { jobs } = services();
      const settings = options.retrain ?? {};
      if (typeof jobs?.retrain === 'function') return resultIds(await jobs.retrain(model, { reason, ...settings }, actor, idempotencyKey));
      if (typeof jobs?.enqueue !== 'function') return unavailable('retrain (no job service)');
      // The action record gives the retrain its idempotency key, audit entry and job link.
      const reply = await context().actions.run('retrain', model, actor, reason, idempotencyKey, async ({ id }) => {
        const job = resultIds(await jobs.enqueue!({ type: 'retrain', model, ...settings, reason, actor, actionId: id }));
        return { jobId: job.jobId ?? null };
      });
      return resultIds(reply);
    },
    async rollback(model, reason, actor, idempotencyKey) {
      return resultIds(await context().actions.rollback(model, { reason }, actor, idempotencyKey));
    },
    async stopExperiment(_model, reason, actor, idempotencyKey, options) {
      const { experiments } = services();
      const id = options.labels.experiment;
      if (!id) throw new DomainError('failed_precondition', 'the alert has no "experiment" label: which experiment to stop is unknown');
      if (typeof experiments?.stop !== 'function') return unavailable('stopping experiments (no experiment service)');
      const decision = options.labels.decision === 'rollback' ? 'rollback' : 'none';
      return resultIds(await experiments.stop(id, { decision, reason }, actor, idempotencyKey));
    },
  };
}
