import type { Actor } from '../auth/roles.ts';
import type { ActionOptions, ActionPerformer, ActionResult, LastRetrain } from '../alerts/action-performer.ts';

/** Test support: records every call, acts once per idempotency key, can be told to fail. */
export interface RecordedCall {
  type: 'retrain' | 'rollback' | 'stop_experiment';
  model: string;
  reason: string;
  actor: Actor;
  idempotencyKey: string;
  options: ActionOptions;
}

export class RecordingPerformer implements ActionPerformer {
  readonly calls: RecordedCall[] = [];
  failNext: Error | undefined;
  /** What lastRetrain answers per model: a retrain queued outside the alert path (a schedule, a person), and whether it is still in flight. */
  readonly retrains = new Map<string, LastRetrain>();
  private readonly byKey = new Map<string, ActionResult>();
  private next = 1;

  private record(type: RecordedCall['type'], model: string, reason: string, actor: Actor, idempotencyKey: string, options: ActionOptions) {
    this.calls.push({ type, model, reason, actor, idempotencyKey, options });
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const known = this.byKey.get(idempotencyKey);
    if (known) return Promise.resolve(known);
    const n = this.next++;
    const result: ActionResult = { actionId: `action-${n}`, jobId: type === 'retrain' ? `job-${n}` : undefined, status: 'succeeded' };
    this.byKey.set(idempotencyKey, result);
    return Promise.resolve(result);
  }

  /** Forgets every call, as a new performer would (one performer serves a test server's tests). */
  reset(): void {
    this.calls.length = 0;
    this.failNext = undefined;
    this.byKey.clear();
    this.retrains.clear();
    this.next = 1;
  }

  /** Distinct actions taken (idempotent repeats count once). */
  get actions(): number {
    return this.byKey.size;
  }

  retrain(model: string, reason: string, actor: Actor, key: string, options: ActionOptions) {
    return this.record('retrain', model, reason, actor, key, options);
  }
  rollback(model: string, reason: string, actor: Actor, key: string, options: ActionOptions) {
    return this.record('rollback', model, reason, actor, key, options);
  }
  stopExperiment(model: string, reason: string, actor: Actor, key: string, options: ActionOptions) {
    return this.record('stop_experiment', model, reason, actor, key, options);
  }
  lastRetrain(model: string): Promise<LastRetrain | null> {
    return Promise.resolve(this.retrains.get(model) ?? null);
  }
}
