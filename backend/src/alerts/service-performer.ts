import type { RollbackTarget } from '../actions/targeted-rollback.ts';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { isTerminal } from '../jobs/job-types.ts';
import type { ActionOptions, ActionPerformer, ActionResult, LastRetrain } from './action-performer.ts';

/**
 * The real performer: retrain is the job service's retrain action (an action record with the
 * idempotency key, and its job); rollback the one aimed at the alert's `version` label
 * (actions/targeted-rollback.ts); stopping an experiment the
 * experiment service's. Each is a port of exactly what is called; compose passes the services.
 */

/** The action record a service replies with (ids for traceability). */
interface ActionReplyLike {
  action: { id: string; status?: string; jobId?: string | null } | null;
}

export interface RetrainPort {
  retrain(model: string, input: Record<string, unknown>, actor: Actor, idempotencyKey: string): Promise<ActionReplyLike>;
  /** The model's jobs, newest first (jobs/read-jobs.ts). */
  list(q: { model: string; limit: number }): Promise<Array<{ id: string; type: string; status: string; createdAt: string; producedVersion: string | null }>>;
}

/** The rollback aimed at the alert's version (actions/targeted-rollback.ts): what it did, on which version, and why. */
export interface RollbackPort {
  rollback(model: string, input: { reason: string; version?: string | undefined }, actor: Actor, idempotencyKey: string): Promise<ActionReplyLike & { target: RollbackTarget }>;
}

export interface ExperimentStopPort {
  stop(id: string, input: { decision: 'rollback' | 'none'; reason: string }, actor: Actor, idempotencyKey: string): Promise<ActionReplyLike>;
  /** The model's running experiments (a retrain's canary is one: jobs/retrain-canary.ts). */
  list(q: { model: string; status: 'running' }): Promise<Array<{ id: string; arms: Array<{ version: string }> }>>;
}

/** The model's running shadow, if any (a retrain released "shadow-then-canary" starts one: jobs/retrain-shadow.ts). */
export interface ShadowPort {
  running(): Promise<Array<{ model: string; version: string }>>;
}

export interface ServicePerformerPorts {
  jobs: RetrainPort;
  actions: RollbackPort;
  experiments: ExperimentStopPort;
  shadows: ShadowPort;
}

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

export class ServicePerformer implements ActionPerformer {
  private readonly ports: ServicePerformerPorts;

  constructor(ports: ServicePerformerPorts) {
    this.ports = ports;
  }

  async retrain(model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult> {
    const settings = Object.fromEntries(Object.entries(options.retrain ?? {}).filter(([, v]) => v !== undefined));
    return resultIds(await this.ports.jobs.retrain(model, { reason, ...settings }, actor, idempotencyKey));
  }

  async lastRetrain(model: string): Promise<LastRetrain | null> {
    const last = (await this.ports.jobs.list({ model, limit: 100 })).find((job) => job.type === 'retrain');
    if (!last) return null;
    return { at: Date.parse(last.createdAt), inFlight: await this.inFlight(last, model) };
  }

  /**
   * Why the retrain job has not ended yet: the job itself, or what it started for the version
   * it produced and that is still deciding: the shadow (release "shadow-then-canary") or the
   * canary experiment.
   */
  private async inFlight(job: { id: string; status: string; producedVersion: string | null }, model: string): Promise<string | null> {
    if (!isTerminal(job.status)) return `retrain job ${job.id} is still ${job.status}`;
    const version = job.producedVersion;
    if (job.status !== 'succeeded' || !version) return null;
    if ((await this.ports.shadows.running()).some((s) => s.model === model && s.version === version)) {
      return `${version}, trained by retrain job ${job.id}, is still shadowing the champion`;
    }
    const canary = (await this.ports.experiments.list({ model, status: 'running' })).find((e) => e.arms.some((a) => a.version === version));
    return canary ? `the canary experiment ${canary.id} of ${version} (retrain job ${job.id}) is still deciding` : null;
  }

  async rollback(model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult> {
    const reply = await this.ports.actions.rollback(model, { reason, version: options.labels.version }, actor, idempotencyKey);
    return { ...resultIds(reply), details: { target: reply.target } };
  }

  async stopExperiment(_model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult> {
    const id = options.labels.experiment;
    if (!id) throw new DomainError('failed_precondition', 'the alert has no "experiment" label: which experiment to stop is unknown');
    const decision = options.labels.decision === 'rollback' ? 'rollback' : 'none';
    return resultIds(await this.ports.experiments.stop(id, { decision, reason }, actor, idempotencyKey));
  }
}
