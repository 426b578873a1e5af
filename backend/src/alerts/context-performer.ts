import type { AppContext } from '../http/app-context.ts';
import { DomainError } from '../core/errors.ts';
import type { ActionPerformer, ActionResult } from './action-performer.ts';

/**
 * The real performer: the services on AppContext (INTERFACES.md), looked up at call time
 * because the context is still being built when this is. Retrain is the job service's
 * retrain action (an action record with the idempotency key, and its job); rollback the
 * action service's; stopping an experiment the experiment service's.
 */

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
  return {
    async retrain(model, reason, actor, idempotencyKey, options) {
      const settings = Object.fromEntries(Object.entries(options.retrain ?? {}).filter(([, v]) => v !== undefined));
      return resultIds(await context().jobs.retrain(model, { reason, ...settings }, actor, idempotencyKey));
    },
    async rollback(model, reason, actor, idempotencyKey) {
      return resultIds(await context().actions.rollback(model, { reason }, actor, idempotencyKey));
    },
    async stopExperiment(_model, reason, actor, idempotencyKey, options) {
      const id = options.labels.experiment;
      if (!id) throw new DomainError('failed_precondition', 'the alert has no "experiment" label: which experiment to stop is unknown');
      const decision = options.labels.decision === 'rollback' ? 'rollback' : 'none';
      return resultIds(await context().experiments.stop(id, { decision, reason }, actor, idempotencyKey));
    },
  };
}
