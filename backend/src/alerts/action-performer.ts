import type { RollbackTarget } from '../actions/targeted-rollback.ts';
import type { Actor } from '../auth/roles.ts';

/**
 * What the alert policies need from the rest of the service to act. compose/server.ts wires
 * it to the real services (service-performer.ts); tests use a recording one. Each call
 * carries an idempotency key derived from the alert instance, so even a retried call acts
 * once.
 */
export interface ActionOptions {
  /** The alert's labels: the experiment id for stop_experiment, for instance. */
  labels: Record<string, string>;
  retrain?: { runner?: string | undefined; gpus?: number | undefined; params?: Record<string, unknown> | undefined } | undefined;
}

/** What was done: ids for traceability (the audit entry, the job). */
export interface ActionResult {
  actionId?: string | undefined;
  jobId?: string | undefined;
  status?: string | undefined;
  /** A rollback says which version it acted on, what it did and why (`target`). */
  details?: ({ target?: RollbackTarget } & Record<string, unknown>) | undefined;
}

export interface LastRetrain {
  /** When it was queued (epoch ms). */
  at: number;
  /**
   * Why it is still in flight, in words (its job queued or running, or the canary experiment
   * it started still deciding); null once it has ended. A second retrain meanwhile would be
   * wasted: its canary could not start against a champion the first one replaced.
   */
  inFlight: string | null;
}

export interface ActionPerformer {
  retrain(model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult>;
  rollback(model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult>;
  stopExperiment(model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions): Promise<ActionResult>;
  /**
   * The model's last retrain job, whatever started it (a schedule, a volume trigger, a person,
   * an alert); null: never. A retrain policy's cooldown counts from when it was queued, and
   * while it is still in flight no alert queues another.
   */
  lastRetrain(model: string): Promise<LastRetrain | null>;
}
