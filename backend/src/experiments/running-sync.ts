/**
 * Keeps serving's RunningExperiments table in step with the store: each change made here is
 * written at once (publish), and the store is re-read every `refreshMs` so that changes made
 * by other replicas arrive too.
 */
import type { Logger } from 'pino';
import { createArmRouter, loadAssignmentHasher, type AssignmentHasher } from '../serving/assignment.ts';
import type { RunningExperiment, RunningExperiments } from '../serving/running-experiments.ts';
import type { Experiment, ExperimentStore } from './experiment-store.ts';

export interface RunningSyncDeps {
  rows: ExperimentStore;
  table: RunningExperiments;
  logger: Logger;
  /** Called on every change made here (the gauge snapshot shows it on the next scrape). */
  onChange: () => void;
}

export class RunningExperimentsSync {
  private readonly deps: RunningSyncDeps;
  private readonly refreshMs: number;
  private hasher: AssignmentHasher | undefined;
  private loading: Promise<void> | undefined;
  /** Changes made in this process, numbered, so that a concurrent refresh does not undo them. */
  private changeSeq = 0;
  private readonly localChanges = new Map<string, { seq: number; id: string; entry: RunningExperiment | null }>();
  private timer: NodeJS.Timeout | undefined;

  /** refreshMs: how old the table may get before the store is read again (0: never). */
  constructor(deps: RunningSyncDeps, refreshMs: number) {
    this.deps = deps;
    this.refreshMs = refreshMs;
  }

  /** Loads the hasher and the running experiments, then re-reads them every refreshMs. */
  async start(): Promise<void> {
    this.hasher = await loadAssignmentHasher();
    await this.refresh();
    if (this.refreshMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.refresh().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'experiments: refresh of the running experiments failed; using the last copy'));
      }, this.refreshMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.loading?.catch(() => undefined);
  }

  /** Re-reads the running experiments from the store (one read at a time). */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const hasher = (this.hasher ??= await loadAssignmentHasher());
        const startSeq = this.changeSeq;
        const next = new Map<string, RunningExperiment>();
        for (const e of await this.deps.rows.running()) {
          try {
            next.set(e.model, entryOf(hasher, e));
          } catch (error) {
            this.deps.logger.error({ err: error, experiment: e.id }, 'experiments: stored allocation is invalid; not assigning');
          }
        }
        // Changes made here while the store was being read win over what it returned.
        for (const [model, change] of this.localChanges) {
          if (change.seq <= startSeq) this.localChanges.delete(model);
          else if (change.entry) next.set(model, change.entry);
          else if (next.get(model)?.experimentId === change.id) next.delete(model);
        }
        this.deps.table.replaceAll(next);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** A change made here: a running experiment routes by its new state at once, a stopped one no more. */
  publish(e: Experiment): void {
    this.deps.onChange();
    if (!this.hasher) return; // not started: start() reads the store
    const entry = e.status === 'running' ? entryOf(this.hasher, e) : null;
    this.localChanges.set(e.model, { seq: ++this.changeSeq, id: e.id, entry });
    if (entry) this.deps.table.set(e.model, entry);
    else this.deps.table.remove(e.model, e.id);
  }
}

function entryOf(hasher: AssignmentHasher, e: Experiment): RunningExperiment {
  return { experimentId: e.id, arms: e.arms, salt: e.salt, router: createArmRouter(hasher, e.salt, e.allocation) };
}
