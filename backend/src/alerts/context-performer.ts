import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/roles.ts';
import { unavailable, type ActionPerformer, type ActionResult } from './action-performer.ts';

/**
 * The real performer: the services on AppContext (INTERFACES.md names). They are looked up
 * at call time, so the alerts area works whichever of them this build has; a missing one
 * makes that action fail with a 503-style `unavailable` error, recorded on the decision.
 */

interface ActionsLike {
  rollback(model: string, input: { toVersion?: string; reason: string }, actor: Actor, idempotencyKey?: string): Promise<unknown>;
}
interface JobsLike {
  enqueue(input: Record<string, unknown>): Promise<unknown>;
}
interface RetrainLike {
  retrain(model: string, input: Record<string, unknown>, actor: Actor, idempotencyKey?: string): Promise<unknown>;
}
interface ExperimentsLike {
  stop(id: string, input: { decision: string; reason?: string }, actor: Actor, idempotencyKey?: string): Promise<unknown>;
}

type MaybeServices = {
  actions?: Partial<ActionsLike & RetrainLike>;
  jobs?: Partial<JobsLike & RetrainLike>;
  experiments?: Partial<ExperimentsLike>;
};

/** Ids out of whatever shape a service returns: `{action: {...}}`, `{id, jobId}`, `{job: {id}}`. */
export function resultIds(value: unknown): ActionResult {
  const object = (value ?? {}) as Record<string, any>;
  const action = (object.action ?? object) as Record<string, any>;
  const job = (object.job ?? {}) as Record<string, any>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const isJob = !object.action && !object.type && str(object.id) && (object.status === 'queued' || 'progress' in object);
  return {
    actionId: isJob ? undefined : str(action.id),
    jobId: str(action.jobId) ?? str(job.id) ?? (isJob ? str(object.id) : undefined),
    status: str(action.status),
  };
}

/** `context` is a getter: the performer is built while the context itself is being built. */
export function contextActionPerformer(context: () => AppContext): ActionPerformer {
  const services = () => context() as unknown as MaybeServices;
  return {
    async retrain(model, reason, actor, idempotencyKey, options) {
      const { actions, jobs } = services();
      const input = { reason, ...(options.retrain ?? {}) };
      if (typeof actions?.retrain === 'function') return resultIds(await actions.retrain(model, input, actor, idempotencyKey));
      if (typeof jobs?.retrain === 'function') return resultIds(await jobs.retrain(model, input, actor, idempotencyKey));
      if (typeof jobs?.enqueue === 'function') {
        return resultIds(await jobs.enqueue({ type: 'retrain', model, ...input, actor, idempotencyKey }));
      }
      return unavailable('retrain (no job service)');
    },
    async rollback(model, reason, actor, idempotencyKey) {
      const { actions } = services();
      if (typeof actions?.rollback !== 'function') return unavailable('rollback (no action service)');
      return resultIds(await actions.rollback(model, { reason }, actor, idempotencyKey));
    },
    async stopExperiment(_model, reason, actor, idempotencyKey, options) {
      const { experiments } = services();
      const id = options.labels.experiment;
      if (!id) throw new Error('the alert has no "experiment" label: which experiment to stop is unknown');
      if (typeof experiments?.stop !== 'function') return unavailable('stopping experiments (no experiment service)');
      const decision = options.labels.decision === 'rollback' ? 'rollback' : 'none';
      return resultIds(await experiments.stop(id, { decision, reason }, actor, idempotencyKey));
    },
  };
}
