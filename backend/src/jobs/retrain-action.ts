import type { Action, ActionOutcome, ActionReply } from '../actions/action-types.ts';
import type { Actor } from '../auth/roles.ts';
import { invalid } from '../core/errors.ts';
import { describeZodError } from '../core/zod-errors.ts';
import type { Waker } from './job-handler.ts';
import type { EnqueueInput, Job } from './job-types.ts';
import { retrainRequestSchema } from './retrain-request.ts';

/** The part of the action service the retrain action uses: the action record with its Idempotency-Key, and reading it back. */
export interface ActionRecorder {
  run(
    type: string,
    model: string,
    actor: Actor | string,
    reason: string,
    idempotencyKey: string | undefined,
    work: (action: { id: string }) => Promise<ActionOutcome | void>,
  ): Promise<ActionReply>;
  get(id: string): Promise<Action>;
}

export interface RetrainActionDeps {
  actions: ActionRecorder;
  queue: { enqueue(input: EnqueueInput, options: { wake?: boolean }): Promise<Job> };
  worker: Waker;
  outcomes: { syncAction(jobId: string): Promise<void> };
}

/**
 * The retrain action (POST /api/v1/models/{model}/actions/retrain, and alert policies): an
 * action record (with the Idempotency-Key contract) that queues a `retrain` job; the action
 * then follows the job (jobs/job-outcomes.ts).
 */
export class RetrainAction {
  private readonly deps: RetrainActionDeps;

  constructor(deps: RetrainActionDeps) {
    this.deps = deps;
  }

  async retrain(model: string, input: Record<string, unknown>, actor: Actor | string, idempotencyKey?: string): Promise<ActionReply> {
    // In-process callers (alert policies) reach here without the route's validation.
    const parsed = retrainRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(describeZodError(parsed.error, 'body'));
    const request = parsed.data;
    const { actions, queue, worker, outcomes } = this.deps;
    let jobId: string | undefined;
    const reply = await actions.run('retrain', model, actor, request.reason, idempotencyKey, async ({ id }) => {
      const job = await queue.enqueue(
        {
          type: 'retrain',
          model,
          ...(request.runner ? { runner: request.runner } : {}),
          ...(request.gpus !== undefined ? { gpus: request.gpus } : {}),
          ...(request.params ? { params: request.params } : {}),
          reason: request.reason,
          actor,
          actionId: id,
        },
        { wake: false },
      );
      jobId = job.id;
      return { status: 'running', jobId: job.id, details: { jobId: job.id, jobState: 'queued', runner: job.runner, gpus: job.gpus } };
    });
    if (!reply.replayed && jobId) {
      // Now that the action is stored: start, and re-sync in case the job ended meanwhile.
      worker.wake();
      await outcomes.syncAction(jobId);
    }
    // A replay answers the action as it is now (the stored first reply says "running").
    if (reply.replayed) return { action: await actions.get(reply.action.id), replayed: true };
    return reply;
  }
}
