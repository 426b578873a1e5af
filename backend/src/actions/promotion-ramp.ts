import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../auth/roles.ts';
import { conflict } from '../core/errors.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { CanaryRoute } from '../serving/router.ts';
import { fromJson } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import type { RoutingChannel } from '../store/routing-notifications.ts';
import type { ActionsTable } from '../store/schema.ts';
import type { ActionRecorder } from './action-recorder.ts';
import type { ActionStore } from './action-store.ts';
import type { ActionReply } from './action-types.ts';
import type { ChampionSwitch } from './champion-switch.ts';

/** The monitor's rollup totals (MonitorService.totals), as far as the guardrails need them. */
export interface GuardrailTotals {
  totals(model: string, query: { from: number; to: number; version: string }): Promise<ReadonlyArray<RequestCounts>>;
}

export interface RequestCounts {
  requests: number;
  errors: number;
}

/** The router's share of units for the new version while the ramp runs. */
export interface RampRouter {
  setCanary(model: string, canary: CanaryRoute | undefined): void;
}

/**
 * What promote (or a gradual rollback) hands the ramp, under the model lock, the target loaded.
 * `steps`: the target's share of units at each step, increasing to 100 (the switch).
 */
export interface RampStart {
  /** promote: a canary ramp with guardrails; rollback: a gradual rollback, stepping the champion's traffic down to the target. */
  kind?: RampKind;
  model: string;
  version: string;
  champion: string;
  steps: number[];
  stepSeconds: number;
  reason: string;
  actor: Actor;
  idempotencyKey: string | undefined;
}

export interface GuardrailVerdict {
  ok: boolean;
  /** Why, in words (recorded on the action). */
  note: string;
  canary?: { requests: number; errorRate: number };
  champion?: { requests: number; errorRate: number };
}

/** Below this many canary requests in a step, the step passes for lack of evidence (noted). */
export const GUARDRAIL_MIN_REQUESTS = 50;
/** The canary fails when its error rate exceeds the champion's by this much (absolute)... */
export const GUARDRAIL_MAX_ERROR_RATE_INCREASE = 0.01;
/** ... and by this factor (so 0.1 % vs 0.05 % is not a failure). */
export const GUARDRAIL_MAX_ERROR_RATE_RATIO = 1.5;

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Sums requests and errors of the rollup rows (any arms); pure. */
export function sumTotals(rows: ReadonlyArray<RequestCounts>): RequestCounts {
  let requests = 0;
  let errors = 0;
  for (const row of rows) {
    requests += num(row.requests);
    errors += num(row.errors);
  }
  return { requests, errors };
}

export function judgeStep(canary: RequestCounts, champion: RequestCounts): GuardrailVerdict {
  const rate = (t: RequestCounts) => (t.requests > 0 ? t.errors / t.requests : 0);
  const c = { requests: canary.requests, errorRate: rate(canary) };
  const k = { requests: champion.requests, errorRate: rate(champion) };
  if (canary.requests < GUARDRAIL_MIN_REQUESTS) {
    return { ok: true, note: `only ${canary.requests} canary requests in this step (< ${GUARDRAIL_MIN_REQUESTS}); not enough to judge, continuing`, canary: c, champion: k };
  }
  const worse = c.errorRate - k.errorRate > GUARDRAIL_MAX_ERROR_RATE_INCREASE && c.errorRate > k.errorRate * GUARDRAIL_MAX_ERROR_RATE_RATIO;
  return worse
    ? { ok: false, note: `canary error rate ${(c.errorRate * 100).toFixed(2)} % vs champion ${(k.errorRate * 100).toFixed(2)} %`, canary: c, champion: k }
    : { ok: true, note: `error rate ${(c.errorRate * 100).toFixed(2)} % vs champion ${(k.errorRate * 100).toFixed(2)} %: within guardrails`, canary: c, champion: k };
}

export type RampKind = 'promote' | 'rollback';

interface Ramp {
  kind: RampKind;
  actionId: string;
  model: string;
  version: string;
  champion: string;
  steps: number[];
  stepIndex: number;
  stepSeconds: number;
  stepStartedAt: number;
  reason: string;
  actor: Actor;
  timer?: NodeJS.Timeout;
  /** Without timers: when (service clock) the next step is due. */
  dueAt?: number;
  /** The renewal of the ramp's lease (`ramp:<model>`) while this replica runs it. */
  held?: { signal: AbortSignal; stop(): void };
}

/** What a ramp keeps in its action's details, so that any replica can resume it at its current step. */
interface RampDetails {
  strategy?: unknown;
  steps?: unknown;
  stepSeconds?: unknown;
  step?: unknown;
  stepStartedAt?: unknown;
  rampActor?: unknown;
}

const rampLease = (model: string): string => `ramp:${model}`;

/** The ramp as its action row tells it; undefined for a promotion that is no canary (or details too old to resume). */
function rampFromRow(row: ActionsTable): Ramp | undefined {
  const d = fromJson<RampDetails>(row.details, {});
  const steps = Array.isArray(d.steps) && d.steps.every((n) => typeof n === 'number') ? (d.steps as number[]) : undefined;
  if ((d.strategy !== 'canary' && d.strategy !== 'gradual') || !steps || !row.to_version || !row.from_version) return undefined;
  const stored = d.rampActor as Partial<Actor> | undefined;
  const actor: Actor = stored && typeof stored.name === 'string' && typeof stored.role === 'string' ? (stored as Actor) : { name: row.actor, role: 'editor', models: [row.model] };
  return {
    kind: row.type === 'rollback' ? 'rollback' : 'promote',
    actionId: row.id,
    model: row.model,
    version: row.to_version,
    champion: row.from_version,
    steps,
    stepIndex: typeof d.step === 'number' ? d.step : 0,
    stepSeconds: typeof d.stepSeconds === 'number' ? d.stepSeconds : 300,
    stepStartedAt: typeof d.stepStartedAt === 'number' ? d.stepStartedAt : Number(row.created_at),
    reason: row.reason ?? '',
    actor,
  };
}

export interface PromotionRampDeps {
  recorder: ActionRecorder;
  champions: ChampionSwitch;
  actions: ActionStore;
  router: RampRouter;
  locks: KeyedMutex;
  logger: Logger;
  /** Each ramp is a lease (`ramp:<model>`): one replica steps it, another resumes it when that one dies. */
  leases: Leases;
  /** Loads a ramp's version on a replica that follows it (one that does not hold its lease). */
  versions: { ensureLoaded(model: string, version: string): Promise<unknown> };
  /** Each step's new share, and a ramp's end, are pushed to the other replicas (store/routing-notifications.ts). */
  routing: RoutingChannel;
  audit: AuditLog;
  clock: Clock;
  monitor: GuardrailTotals;
  /** false: no step timers; whoever steps the service calls tick() (scenarios/engine.ts). Default true. */
  timers?: boolean;
}

/**
 * The promotion ramp (the API's `strategy: "canary"`): the new version gets steps[0] % of
 * units (hashed on the unit id, salted with rampSalt, so a unit stays in the canary as
 * it grows and the same seed of a scenario splits the same units), then each following step
 * after `stepSeconds` if the guardrail holds (error rate from the monitor's rollups, canary
 * vs champion over the step). The last step (100) is the ordinary champion switch, in one
 * transaction. A failed guardrail or a rollback ends the ramp with all traffic on the
 * champion, which never changed meanwhile.
 *
 * Each ramp is a lease in the store (store/leases.ts), its progress (step, when it started,
 * checks) in its action's details: the replica holding the lease steps it; when that replica
 * dies, another takes the lease over within one lease period (adopt(), every period) and
 * resumes at the current step; a replica that loses the lease stops stepping it. A rollback on
 * a replica that does not hold it ends the action in the store, and the holder drops its
 * canary share at its next look (within one lease period).
 *
 * Every replica sends the same units to the canary: the others follow the holder's action row
 * (follow(): its step's share, the same salt), told of each step and of the ramp's end through
 * the routing channel and, as the fallback, at each adopt(). The guardrail reads every
 * replica's rollups.
 */
/**
 * The canary's unit-hash salt: fixed per (model, version) rather than random per action, so a
 * replay of the same traffic (scenarios/engine.ts) puts the same units in the canary; a new
 * version gets a different slice of the units.
 */
const rampSalt = (model: string, version: string): string => `ramp\u0000${model}\u0000${version}`;

export class PromotionRamp {
  private readonly deps: PromotionRampDeps;
  private readonly ramps = new Map<string, Ramp>();
  /** Ramps another replica holds whose share this router applies: model → that ramp's share. */
  private readonly followed = new Map<string, CanaryRoute>();
  private adoptTimer: NodeJS.Timeout | undefined;

  constructor(deps: PromotionRampDeps) {
    this.deps = deps;
    const refollow = () => this.follow().catch((error: unknown) => deps.logger.warn({ err: error }, 'canary ramps: following another replica failed; the next look retries'));
    deps.routing.subscribe({ changed: refollow, resync: refollow });
  }

  /** Called under the model lock by Promote. */
  async start(input: RampStart): Promise<ActionReply> {
    if (this.ramps.has(input.model)) {
      throw conflict(`a ramp of "${input.model}" is already running (version ${this.ramps.get(input.model)!.version}); roll back or wait for it`);
    }
    const kind = input.kind ?? 'promote';
    const percent = input.steps[0]!;
    const lease = rampLease(input.model);
    if (!(await this.deps.leases.acquire(lease))) throw conflict(`a ramp of "${input.model}" is already running on another replica; roll back or wait for it`);
    const now = this.deps.clock.now();
    const { name, role, models } = input.actor;
    let reply: ActionReply;
    try {
      reply = await this.deps.recorder.record(kind, input.model, input.actor, input.reason, input.idempotencyKey, {
        status: 'running',
        fromVersion: input.champion,
        toVersion: input.version,
        details: {
          strategy: kind === 'rollback' ? 'gradual' : 'canary',
          steps: input.steps,
          ...(kind === 'rollback' ? { championSteps: input.steps.map((p) => 100 - p) } : {}),
          stepSeconds: input.stepSeconds,
          step: 0,
          percent,
          stepStartedAt: now,
          rampActor: { name, role, ...(models ? { models } : {}) },
          checks: [],
        },
      });
    } catch (error) {
      await this.release(lease);
      throw error;
    }
    if (reply.replayed) {
      await this.release(lease);
      return reply;
    }
    const ramp: Ramp = {
      kind,
      actionId: reply.action.id,
      model: input.model,
      version: input.version,
      champion: input.champion,
      steps: input.steps,
      stepIndex: 0,
      stepSeconds: input.stepSeconds,
      stepStartedAt: now,
      reason: input.reason,
      actor: input.actor,
    };
    this.begin(ramp, percent >= 100 ? 0 : input.stepSeconds * 1000);
    this.deps.routing.notify(input.model);
    return reply;
  }

  /** Runs a ramp whose lease this replica holds: its current share to the canary, its next step due in `dueInMs`. */
  private begin(ramp: Ramp, dueInMs: number): void {
    ramp.held = this.deps.leases.hold(rampLease(ramp.model));
    // Lost (another replica resumed it): stop here without touching the record, which is the new holder's now.
    ramp.held.signal.addEventListener('abort', () => {
      if (this.ramps.get(ramp.model) === ramp) void this.end(ramp, false);
    });
    this.ramps.set(ramp.model, ramp);
    this.followed.delete(ramp.model);
    const percent = ramp.steps[ramp.stepIndex] ?? 100;
    if (percent < 100) this.deps.router.setCanary(ramp.model, { version: ramp.version, percent, salt: rampSalt(ramp.model, ramp.version) });
    this.schedule(ramp, dueInMs);
  }

  private release(lease: string): Promise<void> {
    return this.deps.leases.release(lease).catch((error: unknown) => this.deps.logger.warn({ err: error, lease }, 'ramp lease release failed; it expires on its own'));
  }

  /**
   * Every lease period (and at start): resumes ramps left `running` whose lease is free (their
   * holder died or stopped), at their current step; ends here the ramps whose action ended on
   * another replica (a rollback there).
   */
  async adopt(): Promise<void> {
    const here = new Set(this.ramps.values());
    const running = await this.deps.actions.runningRamps();
    const runningIds = new Set(running.map((row) => row.id));
    for (const ramp of here) if (!runningIds.has(ramp.actionId) && this.ramps.get(ramp.model) === ramp) await this.end(ramp);
    const heldElsewhere: Ramp[] = [];
    for (const row of running) {
      const ramp = rampFromRow(row);
      if (!ramp || this.ramps.has(ramp.model)) continue;
      if (!(await this.deps.leases.acquire(rampLease(ramp.model)))) {
        heldElsewhere.push(ramp);
        continue;
      }
      await this.deps.locks.run(ramp.model, async () => {
        const current = await this.deps.actions.find(ramp.actionId);
        if (current?.status !== 'running' || this.ramps.has(ramp.model)) return this.release(rampLease(ramp.model));
        const resumed = rampFromRow(current)!;
        const now = this.deps.clock.now();
        await this.deps.recorder.updateDetails(resumed.actionId, { resumedBy: this.deps.leases.holder, resumedAt: new Date(now).toISOString() });
        this.deps.logger.info({ model: resumed.model, version: resumed.version, step: resumed.stepIndex, actionId: resumed.actionId }, 'canary ramp resumed (its lease was free)');
        this.begin(resumed, Math.max(0, resumed.stepStartedAt + resumed.stepSeconds * 1000 - now));
      });
    }
    await this.applyFollowed(heldElsewhere);
  }

  /** Re-reads the running ramps and applies the shares of those another replica holds (a routing notification). */
  private async follow(): Promise<void> {
    // Taken before the read: a ramp that starts here meanwhile is not in the rows read, and is not ended for it.
    const here = [...this.ramps.values()];
    const running = (await this.deps.actions.runningRamps()).map(rampFromRow).filter((r): r is Ramp => r !== undefined);
    // A ramp of this replica that ended elsewhere (a rollback there) ends here now, not at the next adopt().
    for (const ramp of here) if (this.ramps.get(ramp.model) === ramp && !running.some((r) => r.actionId === ramp.actionId)) await this.end(ramp);
    await this.applyFollowed(running.filter((r) => !this.ramps.has(r.model)));
  }

  /**
   * Sets this router's share of each ramp held elsewhere to the holder's current step (its
   * version loaded first; until then the champion serves), and drops the shares of ramps that
   * ended. The last step (100) is the champion switch, which the aliases carry.
   */
  private async applyFollowed(heldElsewhere: readonly Ramp[]): Promise<void> {
    const wanted = new Map(heldElsewhere.map((r) => [r.model, r]));
    for (const model of this.followed.keys()) {
      if (wanted.has(model) || this.ramps.has(model)) continue;
      this.followed.delete(model);
      this.deps.router.setCanary(model, undefined);
    }
    for (const [model, ramp] of wanted) {
      const percent = ramp.steps[ramp.stepIndex] ?? 100;
      if (percent >= 100) continue;
      const share: CanaryRoute = { version: ramp.version, percent, salt: rampSalt(model, ramp.version) };
      const current = this.followed.get(model);
      if (current && current.version === share.version && current.percent === share.percent) continue;
      if (!current || current.version !== share.version) {
        const loaded = await this.deps.versions.ensureLoaded(model, ramp.version).then(
          () => true,
          (error: unknown) => (this.deps.logger.warn({ err: error, model, version: ramp.version }, 'canary version cannot be loaded here; this replica serves the champion'), false),
        );
        if (!loaded || this.ramps.has(model)) continue;
      }
      this.followed.set(model, share);
      this.deps.router.setCanary(model, share);
    }
  }

  /** Called under the model lock by Rollback; `onlyVersion`: abort only a ramp of that version. */
  async abort(model: string, actor: Actor, reason: string, idempotencyKey: string | undefined, onlyVersion?: string): Promise<ActionReply | undefined> {
    // Here, or held by another replica (its action in the store): that one drops its share at its next adopt().
    const ramp = await this.running(model);
    if (!ramp || ramp.kind !== 'promote' || (onlyVersion !== undefined && ramp.version !== onlyVersion)) return undefined;
    if (this.ramps.get(model) === ramp) await this.end(ramp);
    this.unfollow(model);
    await this.deps.recorder.updateDetails(ramp.actionId, { aborted: { by: actor.name, reason, at: new Date(this.deps.clock.now()).toISOString() } }, 'failed');
    this.deps.routing.notify(model);
    return this.deps.recorder.record('rollback', model, actor, reason, idempotencyKey, {
      status: 'succeeded',
      fromVersion: ramp.version,
      toVersion: ramp.champion,
      details: { canaryActionId: ramp.actionId, note: 'canary stopped; all traffic on the champion' },
    });
  }

  /** The model's running ramp: this replica's, or one another replica holds (from its action in the store). */
  private async running(model: string): Promise<Ramp | undefined> {
    return this.ramps.get(model) ?? (await this.deps.actions.runningRamps()).map(rampFromRow).find((r) => r?.model === model);
  }

  /**
   * Under the model lock, before another champion switch: ends a running gradual rollback (an
   * instant rollback or a promote supersedes it), here or on the replica that holds it.
   */
  async supersede(model: string, actor: Actor, reason: string): Promise<void> {
    const ramp = await this.running(model);
    if (!ramp || ramp.kind !== 'rollback') return;
    if (this.ramps.get(model) === ramp) await this.end(ramp);
    this.unfollow(model);
    await this.deps.recorder.updateDetails(ramp.actionId, { superseded: { by: actor.name, reason, at: new Date(this.deps.clock.now()).toISOString() } }, 'failed');
    this.deps.routing.notify(model);
  }

  /** Drops the share of a ramp held elsewhere that this replica just ended in the store. */
  private unfollow(model: string): void {
    if (!this.followed.delete(model)) return;
    this.deps.router.setCanary(model, undefined);
  }

  /**
   * At start: resumes the ramps left `running` whose lease is free, then (with timers) looks
   * again every quarter of the lease period, so a ramp whose holder died is resumed within
   * about one period (its lease expires at most one period after its last renewal).
   */
  async recover(): Promise<void> {
    await this.adopt();
    if (this.deps.timers === false) return;
    this.adoptTimer = setInterval(() => {
      void this.adopt().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'canary ramps: looking for ramps to resume failed; will retry'));
    }, Math.max(1, Math.floor(this.deps.leases.ttlMs / 4)));
    this.adoptTimer.unref();
  }

  /** Shutdown: stops stepping and frees the ramps' leases, so another replica resumes them at once. */
  async stop(): Promise<void> {
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    const ramps = [...this.ramps.values()];
    for (const ramp of ramps) void this.end(ramp, false);
    await Promise.all(ramps.map((ramp) => this.release(rampLease(ramp.model))));
  }

  /**
   * Stops the ramp here; `release` false: keep the lease row (lost already, or stop() frees them
   * awaited). Callers that start another ramp of the model next await it, so the release never
   * drops the new ramp's lease.
   */
  private end(ramp: Ramp, release = true): Promise<void> {
    const released = this.forget(ramp, release);
    this.deps.router.setCanary(ramp.model, undefined);
    return released;
  }

  private forget(ramp: Ramp, release: boolean): Promise<void> {
    if (ramp.timer) clearTimeout(ramp.timer);
    ramp.held?.stop();
    if (this.ramps.get(ramp.model) === ramp) this.ramps.delete(ramp.model);
    return release ? this.release(rampLease(ramp.model)) : Promise.resolve();
  }

  /** Without timers: runs the steps that are due on the service clock, one model at a time, awaited. */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const due = [...this.ramps.values()].filter((r) => r.dueAt !== undefined && r.dueAt <= now).sort((a, b) => (a.model < b.model ? -1 : 1));
    for (const ramp of due) {
      ramp.dueAt = undefined;
      await this.deps.locks
        .run(ramp.model, () => this.step(ramp))
        .catch((error: unknown) => this.deps.logger.error({ err: error, model: ramp.model, actionId: ramp.actionId }, 'canary step failed'));
    }
  }

  private schedule(ramp: Ramp, ms: number): void {
    if (this.deps.timers === false) {
      ramp.dueAt = this.deps.clock.now() + ms;
      return;
    }
    ramp.timer = setTimeout(() => {
      this.deps.locks
        .run(ramp.model, () => this.step(ramp))
        .catch((error: unknown) => this.deps.logger.error({ err: error, model: ramp.model, actionId: ramp.actionId }, 'canary step failed'));
    }, ms);
    ramp.timer.unref();
  }

  private async step(ramp: Ramp): Promise<void> {
    if (this.ramps.get(ramp.model) !== ramp) return;
    // Ended on another replica (a rollback there), or no longer ours: nothing to step.
    const action = await this.deps.actions.find(ramp.actionId);
    if (action?.status !== 'running') return await this.end(ramp);
    if (ramp.held?.signal.aborted) return;
    // A gradual rollback steps down regardless: the champion it leaves is the suspect.
    const verdict: GuardrailVerdict = ramp.kind === 'rollback' ? { ok: true, note: 'gradual rollback: no guardrail' } : await this.check(ramp);
    const check = { step: ramp.stepIndex, percent: ramp.steps[ramp.stepIndex], at: new Date().toISOString(), ...verdict };
    // Only the lease holder writes the checks, so the row read above still holds them all.
    const previous = (fromJson<{ checks?: unknown[] }>(action.details, {}).checks) ?? [];
    if (!verdict.ok) {
      await this.end(ramp);
      await this.deps.recorder.updateDetails(ramp.actionId, { checks: [...previous, check], failedGuardrail: verdict.note }, 'failed');
      this.deps.routing.notify(ramp.model);
      await this.deps.audit.record({
        type: 'promote',
        status: 'failed',
        model: ramp.model,
        actor: ramp.actor,
        reason: `canary stopped by its guardrail: ${verdict.note}`,
        fromVersion: ramp.champion,
        toVersion: ramp.version,
        details: { actionId: ramp.actionId, check },
      });
      return;
    }
    ramp.stepIndex++;
    const percent = ramp.steps[ramp.stepIndex] ?? 100;
    if (percent >= 100) {
      // Leave the canary share in place until the switch commits; setAliases then drops it. The lease
      // is kept until then too, so no other replica resumes the ramp while its last step commits.
      void this.forget(ramp, false);
      try {
        await this.deps.champions.apply(ramp.kind, ramp.model, ramp.version, ramp.champion, ramp.reason, ramp.actor, undefined, ramp.actionId, {
          checks: [...previous, check],
          step: ramp.stepIndex,
          percent: 100,
        });
      } catch (error) {
        this.deps.router.setCanary(ramp.model, undefined);
        this.deps.logger.warn({ err: error, model: ramp.model }, 'canary could not complete');
      } finally {
        await this.release(rampLease(ramp.model));
      }
      return;
    }
    ramp.stepStartedAt = this.deps.clock.now();
    this.deps.router.setCanary(ramp.model, { version: ramp.version, percent, salt: rampSalt(ramp.model, ramp.version) });
    await this.deps.recorder.updateDetails(ramp.actionId, { checks: [...previous, check], step: ramp.stepIndex, percent, stepStartedAt: ramp.stepStartedAt });
    this.deps.routing.notify(ramp.model);
    this.schedule(ramp, ramp.stepSeconds * 1000);
  }

  private async check(ramp: Ramp): Promise<GuardrailVerdict> {
    const { monitor } = this.deps;
    const range = { from: ramp.stepStartedAt, to: this.deps.clock.now() + 1 };
    try {
      const [canary, champion] = await Promise.all([
        monitor.totals(ramp.model, { ...range, version: ramp.version }),
        monitor.totals(ramp.model, { ...range, version: ramp.champion }),
      ]);
      return judgeStep(sumTotals(canary), sumTotals(champion));
    } catch (error) {
      return { ok: false, note: `guardrail check failed: ${(error as Error).message}` };
    }
  }
}
