/**
 * Use case: evaluate the running experiments, and act for those with autoDecide: a promote or
 * rollback recommendation stops the experiment with that decision, as the system, reason
 * "experiment <id>: automatic decision: ...". Nothing else is ever acted on. Runs every
 * `intervalMs` (wall time) once started, on one replica at a time (the `auto-decide` lease).
 */
import type { Logger } from 'pino';
import { systemActor } from '../auth/roles.ts';
import type { Experiment, StopDecision } from '../experiments/experiment-store.ts';
import type { ExperimentResults } from '../experiments/results.ts';
import type { Leases } from '../store/leases.ts';
import type { StopExperiment } from './stop-experiment.ts';

export interface Evaluation {
  experimentId: string;
  model: string;
  recommendation: string;
  reasons: string[];
  winner: { arm: string; version: string } | null;
  srmMismatch: boolean;
  autoDecide: boolean;
  /** What autoDecide did: the stop's action, or null. */
  acted: { decision: StopDecision; actionId: string | null } | null;
  error?: string;
}

export interface AutoDecideDeps {
  experiments: { running(): Promise<Experiment[]> };
  results: { of(e: Experiment): Promise<ExperimentResults> };
  stop: StopExperiment;
  logger: Logger;
  leases: Leases;
}

export class AutoDecide {
  private readonly deps: AutoDecideDeps;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<unknown> | undefined;

  /** intervalMs: period of the automatic round; 0: never. */
  constructor(deps: AutoDecideDeps, intervalMs: number) {
    this.deps = deps;
    this.intervalMs = intervalMs;
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.evaluating) return; // the previous round is still running
      this.evaluating = this.deps.leases
        .run('auto-decide', async (signal) => {
          await this.evaluateRunning({ onlyAutoDecide: true, signal });
        })
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'experiments: automatic evaluation failed'))
        .finally(() => {
          this.evaluating = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating?.catch(() => undefined);
  }

  /** Recommendations for the running experiments; `act: false` never stops one; an aborted `signal` (lease lost) stops the round. */
  async evaluateRunning(options: { act?: boolean; onlyAutoDecide?: boolean; signal?: AbortSignal } = {}): Promise<Evaluation[]> {
    // Concurrent rounds are safe: a stop is guarded by the store (running → stopped once)
    // and by its idempotency key.
    const out: Evaluation[] = [];
    for (const e of await this.deps.experiments.running()) {
      options.signal?.throwIfAborted();
      if (options.onlyAutoDecide && !e.settings.autoDecide) continue;
      const base = { experimentId: e.id, model: e.model, autoDecide: e.settings.autoDecide };
      try {
        const r = await this.deps.results.of(e);
        const rec = r.decision.recommendation;
        let acted: Evaluation['acted'] = null;
        if (e.settings.autoDecide && options.act !== false && (rec === 'promote' || rec === 'rollback')) {
          const stopped = await this.deps.stop.run(
            e.id,
            { decision: rec, reason: `experiment ${e.id}: automatic decision: ${r.decision.reasons[0] ?? rec}`, ...(r.decision.winner ? { arm: r.decision.winner.arm } : {}) },
            { ...systemActor, name: 'system:experiments' },
            `experiment-auto-${e.id}`,
          );
          acted = { decision: rec, actionId: stopped.action?.id ?? null };
          this.deps.logger.info({ experiment: e.id, model: e.model, decision: rec }, 'experiment stopped automatically');
        }
        out.push({ ...base, recommendation: rec, reasons: r.decision.reasons, winner: r.decision.winner, srmMismatch: r.srm.mismatch, acted });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ err: error, experiment: e.id }, 'experiments: evaluation failed');
        out.push({ ...base, recommendation: 'unknown', reasons: [], winner: null, srmMismatch: false, acted: null, error: message });
      }
    }
    return out;
  }
}
