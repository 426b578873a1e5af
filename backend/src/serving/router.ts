import type { Logger } from 'pino';
import { DomainError } from '../core/errors.ts';
import { CANARY_ARM, CHAMPION_ARM } from '../monitor/rollup.ts';
import { loadAssignmentHasher, type AssignmentHasher } from './assignment.ts';
import type { ExperimentAssignments } from './running-experiments.ts';
import type { Aliases } from '../registry/versions.ts';
import type { ModelSession } from '../onnx/onnx-session.ts';
import type { SessionPool } from '../onnx/session-pool.ts';

export interface CanaryRoute {
  version: string;
  /** Share of units (0..100) sent to the canary. */
  percent: number;
  /** Salt of the unit hash: the action id, so a ramp keeps its units as it grows. */
  salt: string;
}

export interface RouteDecision {
  version: string;
  arm: string;
  session: ModelSession;
  experimentId?: string;
}

/** One model's routes as plain data: what the serving thread copies (serving/route-mirror.ts). */
export interface ModelRoute {
  champion?: string;
  challenger?: string;
  canary?: CanaryRoute;
  shadow?: ShadowRoute;
}

/** A version that scores the champion's traffic without serving it (serving/shadow-service.ts). */
export interface ShadowRoute {
  version: string;
  /** The decision thresholds its pairs are judged at (monitor/quality-settings.ts), champion's and shadow's. */
  thresholds: { champion: number; shadow: number };
}

/** What the shadow scorer gets for one request: the version, its loaded session and thresholds. */
export interface ShadowDecision extends ShadowRoute {
  session: ModelSession;
}

export interface TrafficRouterOptions {
  pool: SessionPool;
  /** Loads a version in the background when traffic is assigned to one not loaded yet. */
  ensureLoaded: (model: string, version: string) => Promise<unknown>;
  /** The running experiments (written by the experiments area). */
  experiments: ExperimentAssignments;
  logger: Logger;
}

/**
 * Picks the version per request: the unit's arm in the model's running experiment (the
 * RunningExperiments table) if there is one, else a canary share if a canary ramp is running, else the champion. State is in
 * memory and swapped whole (one assignment) after each committed alias change, so a request
 * sees either the old champion or the new one, never none; a rollback takes effect on the
 * next request.
 */
export class TrafficRouter {
  private readonly routes = new Map<string, ModelRoute>();
  private readonly options: TrafficRouterOptions;
  private hasher: AssignmentHasher | undefined;
  private readonly listeners: Array<(model: string) => void> = [];

  constructor(options: TrafficRouterOptions) {
    this.options = options;
  }

  async init(): Promise<void> {
    this.hasher = await loadAssignmentHasher();
  }

  /** Called after every change of a model's routes (the serving thread copies them). */
  subscribe(listener: (model: string) => void): void {
    this.listeners.push(listener);
  }

  /** The model's routes as plain data. */
  snapshot(model: string): ModelRoute {
    return { ...this.routes.get(model) };
  }

  /** Models with any route. */
  models(): string[] {
    return [...this.routes.keys()];
  }

  /** Replaces the model's routes whole (the serving thread applies the main thread's snapshot). */
  restore(model: string, route: ModelRoute): void {
    this.update(model, { ...route });
  }

  private update(model: string, route: ModelRoute): void {
    this.routes.set(model, route);
    for (const listener of this.listeners) listener(model);
  }

  setAliases(model: string, aliases: Aliases): void {
    const current = this.routes.get(model);
    this.update(model, {
      ...(aliases.champion ? { champion: aliases.champion } : {}),
      ...(aliases.challenger ? { challenger: aliases.challenger } : {}),
      ...(current?.canary && current.canary.version !== aliases.champion ? { canary: current.canary } : {}),
      // A shadow promoted to champion stops shadowing itself; the service records the stop on its next sync.
      ...(current?.shadow && current.shadow.version !== aliases.champion ? { shadow: current.shadow } : {}),
    });
  }

  setShadow(model: string, shadow: ShadowRoute | undefined): void {
    const { shadow: _old, ...rest } = this.routes.get(model) ?? {};
    this.update(model, shadow ? { ...rest, shadow } : rest);
  }

  /** The model's shadow when its session is loaded (a shadow still loading scores nothing). */
  shadow(model: string): ShadowDecision | undefined {
    const shadow = this.routes.get(model)?.shadow;
    if (!shadow) return undefined;
    const session = this.options.pool.get(model, shadow.version);
    return session ? { ...shadow, session } : undefined;
  }

  shadowRoute(model: string): ShadowRoute | undefined {
    return this.routes.get(model)?.shadow;
  }

  /** Models with a shadow in the router. */
  shadowModels(): string[] {
    return [...this.routes].filter(([, r]) => r.shadow).map(([model]) => model);
  }

  setCanary(model: string, canary: CanaryRoute | undefined): void {
    const { canary: _old, ...rest } = this.routes.get(model) ?? {};
    this.update(model, canary ? { ...rest, canary } : rest);
  }

  state(model: string): { champion: string | null; challenger: string | null; canary: CanaryRoute | null } {
    const route = this.routes.get(model);
    return { champion: route?.champion ?? null, challenger: route?.challenger ?? null, canary: route?.canary ?? null };
  }

  champion(model: string): string | undefined {
    return this.routes.get(model)?.champion;
  }

  /** The version, arm and session for one request. */
  async route(model: string, unitId: string | undefined): Promise<RouteDecision> {
    const route = this.routes.get(model);
    const { pool } = this.options;
    // Without a unit id the experiment's arm is random by weight.
    const assigned = this.options.experiments.assign(model, unitId);
    if (assigned) {
      let session = pool.get(model, assigned.version);
      if (!session && pool.status(model, assigned.version).status !== 'failed') {
        // Wait for the load rather than serve the unit from another arm: a unit served
        // outside its arm corrupts the experiment (it shows as a sample-ratio mismatch).
        await this.options.ensureLoaded(model, assigned.version).catch((error: unknown) =>
          this.options.logger.warn({ err: error, model, version: assigned.version }, 'version assigned traffic cannot be loaded; serving the champion'),
        );
        session = pool.get(model, assigned.version);
      }
      if (session) {
        return { version: assigned.version, arm: assigned.arm, session, experimentId: assigned.experimentId };
      }
    }
    const canary = route?.canary;
    if (canary && canary.percent > 0) {
      const bucket = unitId !== undefined && this.hasher ? this.hasher.bucket(canary.salt, unitId) : Math.floor(Math.random() * 10_000);
      if (bucket < canary.percent * 100) {
        const session = pool.get(model, canary.version);
        if (session) return { version: canary.version, arm: CANARY_ARM, session };
      }
    }
    const champion = route?.champion;
    if (!champion) {
      throw new DomainError(
        'failed_precondition',
        `model "${model}" has no champion to serve; register a version and promote it (POST /api/v1/models/${model}/actions/promote)`,
      );
    }
    const session = pool.get(model, champion);
    if (!session) {
      const status = pool.status(model, champion);
      if (status.status !== 'loading') this.loadInBackground(model, champion);
      throw new DomainError(
        'unavailable',
        `champion "${champion}" of model "${model}" is not loaded${status.error ? `: ${status.error}` : ' yet'}; roll back to a healthy version (POST /api/v1/models/${model}/actions/rollback)`,
      );
    }
    return { version: champion, arm: CHAMPION_ARM, session };
  }

  private readonly backgroundLoads = new Set<string>();

  private loadInBackground(model: string, version: string): void {
    const key = `${model}\u0000${version}`;
    if (this.backgroundLoads.has(key) || this.options.pool.status(model, version).status === 'failed') return;
    this.backgroundLoads.add(key);
    this.options
      .ensureLoaded(model, version)
      .catch((error: unknown) => this.options.logger.warn({ err: error, model, version }, 'version assigned traffic cannot be loaded; serving the champion'))
      .finally(() => this.backgroundLoads.delete(key));
  }
}
