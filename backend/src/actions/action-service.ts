import type { Actor } from '../auth/roles.ts';
import type { ActionRecorder } from './action-recorder.ts';
import type { Action, ActionReply, ActionStatus, PromoteInput, RollbackInput } from './action-types.ts';
import type { DeploymentCalls } from './deployment-calls.ts';
import type { Promote } from './promote.ts';
import type { Rollback } from './rollback.ts';
import type { ActionWork, RunAction } from './run-action.ts';

export interface ActionServiceParts {
  promote: Promote;
  rollback: Rollback;
  run: RunAction;
  recorder: ActionRecorder;
  deployments: DeploymentCalls;
}

/**
 * Actions that change what serves (promote, rollback), and any other area's actions
 * (retrain, experiment stop) through `run`: one entry point over the actions' use cases.
 * Every action is recorded, audited, counted and honours an Idempotency-Key.
 */
export class ActionService {
  private readonly parts: ActionServiceParts;

  constructor(parts: ActionServiceParts) {
    this.parts = parts;
  }

  promote(model: string, input: PromoteInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    return this.parts.promote.promote(model, input, actor, idempotencyKey);
  }

  rollback(model: string, input: RollbackInput, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    return this.parts.rollback.rollback(model, input, actor, idempotencyKey);
  }

  /** The champion `version` misbehaves: end a running ramp, then the previous champion serves (actions/rollback.ts). */
  rollbackChampion(model: string, version: string, input: { reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReply> {
    return this.parts.rollback.rollbackChampion(model, version, input, actor, idempotencyKey);
  }

  /** Ends the canary ramp of `version` (all traffic on the champion); undefined when no ramp of it runs. */
  endCanary(model: string, version: string, input: { reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReply | undefined> {
    return this.parts.rollback.endCanary(model, version, input, actor, idempotencyKey);
  }

  run(type: string, model: string, actor: Actor | string, reason: string, idempotencyKey: string | undefined, work: ActionWork): Promise<ActionReply> {
    return this.parts.run.run(type, model, actor, reason, idempotencyKey, work);
  }

  get(id: string): Promise<Action> {
    return this.parts.recorder.get(id);
  }

  list(model: string, options?: { type?: string | undefined; limit?: number | undefined }): Promise<Action[]> {
    return this.parts.recorder.list(model, options);
  }

  /** Updates a running action (a retrain job reports its progress this way). */
  updateDetails(id: string, patch: Record<string, unknown>, status?: ActionStatus): Promise<Action> {
    return this.parts.recorder.updateDetails(id, patch, status);
  }

  /** Resolves when deployment hooks in flight have finished (shutdown, tests). */
  idle(): Promise<void> {
    return this.parts.deployments.idle();
  }
}
