import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { Actor } from '../auth/roles.ts';
import { conflict } from '../core/errors.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { CanaryRoute } from '../serving/router.ts';
import { fromJson, type SqlDialect } from '../store/database.ts';
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

/** What promote hands the ramp (under the model lock, the target loaded). */
export interface RampStart {
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

interface Ramp {
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
}

export interface PromotionRampDeps {
  recorder: ActionRecorder;
  champions: ChampionSwitch;
  actions: ActionStore;
  router: RampRouter;
  locks: KeyedMutex;
  logger: Logger;
  /** PostgreSQL: another replica may be running a ramp left `running` (see recover). */
  dialect: SqlDialect;
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
 * transaction. A failed guardrail, a rollback, or a restart ends the ramp with all traffic
 * on the champion, which never changed meanwhile.
 *
 * Limits: the ramp lives in this process (on several replicas only the one that started it
 * sends canary traffic); a restart ends it as failed ("interrupted"), never half-promoted.
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

  constructor(deps: PromotionRampDeps) {
    this.deps = deps;
  }

  /** Called under the model lock by Promote. */
  async start(input: RampStart): Promise<ActionReply> {
    if (this.ramps.has(input.model)) {
      throw conflict(`a canary of "${input.model}" is already running (version ${this.ramps.get(input.model)!.version}); roll back or wait for it`);
    }
    const percent = input.steps[0]!;
    const reply = await this.deps.recorder.record('promote', input.model, input.actor, input.reason, input.idempotencyKey, {
      status: 'running',
      fromVersion: input.champion,
      toVersion: input.version,
      details: { strategy: 'canary', steps: input.steps, stepSeconds: input.stepSeconds, step: 0, percent, checks: [] },
    });
    if (reply.replayed) return reply;
    const ramp: Ramp = {
      actionId: reply.action.id,
      model: input.model,
      version: input.version,
      champion: input.champion,
      steps: input.steps,
      stepIndex: 0,
      stepSeconds: input.stepSeconds,
      stepStartedAt: this.deps.clock.now(),
      reason: input.reason,
      actor: input.actor,
    };
    this.ramps.set(input.model, ramp);
    if (percent >= 100) {
      this.schedule(ramp, 0);
    } else {
      this.deps.router.setCanary(input.model, { version: input.version, percent, salt: rampSalt(ramp.model, ramp.version) });
      this.schedule(ramp, input.stepSeconds * 1000);
    }
    return reply;
  }

  /** Called under the model lock by Rollback; `onlyVersion`: abort only a ramp of that version. */
  async abort(model: string, actor: Actor, reason: string, idempotencyKey: string | undefined, onlyVersion?: string): Promise<ActionReply | undefined> {
    const ramp = this.ramps.get(model);
    if (!ramp || (onlyVersion !== undefined && ramp.version !== onlyVersion)) return undefined;
    this.end(ramp);
    await this.deps.recorder.updateDetails(ramp.actionId, { aborted: { by: actor.name, reason, at: new Date(this.deps.clock.now()).toISOString() } }, 'failed');
    return this.deps.recorder.record('rollback', model, actor, reason, idempotencyKey, {
      status: 'succeeded',
      fromVersion: ramp.version,
      toVersion: ramp.champion,
      details: { canaryActionId: ramp.actionId, note: 'canary stopped; all traffic on the champion' },
    });
  }

  /** At start: ramps left `running` by a previous process end as failed (traffic is on the champion). */
  async recover(): Promise<void> {
    for (const row of await this.deps.actions.runningPromotions()) {
      if (fromJson<Record<string, unknown>>(row.details, {}).strategy !== 'canary') continue;
      // On PostgreSQL another replica may be running it; leave recent ones alone there.
      if (this.deps.dialect === 'postgres') continue;
      await this.deps.recorder.updateDetails(row.id, { interrupted: 'the service restarted during the ramp; traffic is on the champion' }, 'failed');
    }
  }

  stop(): void {
    for (const ramp of this.ramps.values()) if (ramp.timer) clearTimeout(ramp.timer);
    this.ramps.clear();
  }

  private end(ramp: Ramp): void {
    if (ramp.timer) clearTimeout(ramp.timer);
    this.ramps.delete(ramp.model);
    this.deps.router.setCanary(ramp.model, undefined);
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
    const verdict = await this.check(ramp);
    const check = { step: ramp.stepIndex, percent: ramp.steps[ramp.stepIndex], at: new Date().toISOString(), ...verdict };
    const previous = ((await this.deps.recorder.get(ramp.actionId)).details.checks as unknown[] | undefined) ?? [];
    if (!verdict.ok) {
      this.end(ramp);
      await this.deps.recorder.updateDetails(ramp.actionId, { checks: [...previous, check], failedGuardrail: verdict.note }, 'failed');
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
      // Leave the canary share in place until the switch commits; setAliases then drops it.
      if (ramp.timer) clearTimeout(ramp.timer);
      this.ramps.delete(ramp.model);
      try {
        await this.deps.champions.apply('promote', ramp.model, ramp.version, ramp.champion, ramp.reason, ramp.actor, undefined, ramp.actionId, {
          checks: [...previous, check],
          step: ramp.stepIndex,
          percent: 100,
        });
      } catch (error) {
        this.deps.router.setCanary(ramp.model, undefined);
        this.deps.logger.warn({ err: error, model: ramp.model }, 'canary could not complete');
      }
      return;
    }
    ramp.stepStartedAt = this.deps.clock.now();
    this.deps.router.setCanary(ramp.model, { version: ramp.version, percent, salt: rampSalt(ramp.model, ramp.version) });
    await this.deps.recorder.updateDetails(ramp.actionId, { checks: [...previous, check], step: ramp.stepIndex, percent });
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
