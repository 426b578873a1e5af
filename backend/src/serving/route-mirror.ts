import type { AssignmentHasher } from './assignment.ts';
import { createArmRouter } from './assignment.ts';
import type { TrafficRouter } from './router.ts';
import type { RunningExperiments } from './running-experiments.ts';
import type { RouteSnapshot } from './worker-protocol.ts';

/** The main thread's routes of one model, as the serving thread gets them. */
export function routeSnapshot(router: Pick<TrafficRouter, 'snapshot'>, running: Pick<RunningExperiments, 'get'>, model: string): RouteSnapshot {
  const entry = running.get(model);
  return {
    model,
    route: router.snapshot(model),
    experiment: entry ? { experimentId: entry.experimentId, arms: entry.arms.map((a) => ({ ...a })), salt: entry.salt, allocation: entry.router.allocation } : null,
  };
}

export interface RouteMirrorDeps {
  router: Pick<TrafficRouter, 'restore'>;
  running: Pick<RunningExperiments, 'get' | 'set' | 'remove'>;
  hasher: AssignmentHasher;
  /** Whether the version is loaded on this thread. */
  loaded: (model: string, version: string) => boolean;
  /** Loads and warms a version on this thread (its artifact comes from the main thread). */
  ensureLoaded: (model: string, version: string) => Promise<unknown>;
}

/**
 * The serving thread's copy of the main thread's routes. A snapshot is applied once every
 * version it names is loaded here, so the switch never lands on a session still loading; the
 * newest snapshot of a model wins, so a rollback to a loaded version is not held up behind a
 * promotion still loading its version.
 */
export class RouteMirror {
  private readonly deps: RouteMirrorDeps;
  private readonly latest = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;

  constructor(deps: RouteMirrorDeps) {
    this.deps = deps;
  }

  apply(snapshot: RouteSnapshot): Promise<void> {
    const mine = ++this.seq;
    this.latest.set(snapshot.model, mine);
    const { route, experiment } = snapshot;
    const versions = new Set([route.champion, route.canary?.version, route.shadow?.version, ...(experiment?.arms.map((a) => a.version) ?? [])].filter((v): v is string => !!v));
    // Every version here (a rollback, a ramp step): switched before the next message or request is handled.
    if ([...versions].every((v) => this.deps.loaded(snapshot.model, v))) {
      this.swap(snapshot);
      return Promise.resolve();
    }
    const work = Promise.allSettled([...versions].map((v) => this.deps.ensureLoaded(snapshot.model, v))).then(() => {
      if (this.latest.get(snapshot.model) === mine) this.swap(snapshot);
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return work;
  }

  /** Resolves once every snapshot received so far is applied (or superseded). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private swap({ model, route, experiment }: RouteSnapshot): void {
    const { running, hasher } = this.deps;
    if (experiment) {
      running.set(model, { experimentId: experiment.experimentId, arms: experiment.arms, salt: experiment.salt, router: createArmRouter(hasher, experiment.salt, experiment.allocation) });
    } else {
      const current = running.get(model);
      if (current) running.remove(model, current.experimentId);
    }
    this.deps.router.restore(model, route);
  }
}
