import { Cron } from 'croner';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { parseDuration } from '../core/duration.ts';
import type { Leases } from '../store/leases.ts';
import type { Job, JobState } from './job-types.ts';
import { retrainSettingsOf, type RetrainSettings } from './retrain-settings.ts';

/**
 * Retrains that no alert asked for (docs/jobs.md): on a model's cron schedule
 * (`settings.retrain.schedule`) and once enough labelled rows arrived since the last
 * successful retrain (`settings.retrain.volume`). Both go through the same retrain action
 * as the alert policies (retrain-action.ts), hold back while a retrain of the model is
 * queued or running, and keep `settings.retrain.cooldown` after the model's last retrain
 * whatever started it (an alert, a person, a schedule). The action's Idempotency-Key makes
 * one planned run one job across replicas (actions/idempotency.ts).
 */

export interface TriggerModel {
  name: string;
  settings: Record<string, unknown>;
  /** ISO time. */
  createdAt: string;
  /** ISO time of the last change (settings included): a schedule saved then has no planned run before it. */
  updatedAt?: string;
}

export interface RetrainTriggerDeps {
  clock: Clock;
  logger: Logger;
  models: { list(): Promise<TriggerModel[]> };
  jobs: {
    list(q: { model?: string; state?: JobState; limit?: number }): Promise<Job[]>;
    retrain(model: string, input: Record<string, unknown>, actor: Actor, idempotencyKey: string): Promise<unknown>;
  };
  /** The monitor's merged rollup counters (monitor/query-totals.ts). */
  totals: { totals(model: string, q: { from: number; to: number }): Promise<Array<{ labelled: number }>> };
  /** The timed checks run on one replica at a time (the `retrain-triggers` lease). */
  leases: Pick<Leases, 'every' | 'ttlMs'>;
  /**
   * How far back a pass looks for a planned run of a schedule it has not seen before (this
   * process just started, or took the lease over from a replica that died before the run
   * came due): by default, with timers, the check interval plus the lease period; without
   * timers 0.
   */
  lookbackMs?: number;
}

/** What the model page shows (GET /api/v1/models/{model}/retrain-triggers; docs/api.md). */
export const retrainTriggerStatusSchema = z
  .object({
    model: z.string(),
    schedule: z
      .object({
        cron: z.string(),
        timezone: z.string(),
        nextRun: z.string().nullable().meta({ description: 'The next planned run (ISO time); null: the pattern never fires again' }),
      })
      .nullable()
      .meta({ description: 'settings.retrain.schedule; null: none' }),
    volume: z
      .object({
        labelledRows: z.number().meta({ description: 'The threshold (settings.retrain.volume.labelledRows)' }),
        labelledSinceLastTraining: z.number().meta({ description: 'Labelled rows (rollups) since `since`' }),
        since: z.string().meta({ description: "Where the last successful retrain's window ended (when it was queued), or the model's creation" }),
      })
      .nullable()
      .meta({ description: 'settings.retrain.volume; null: none' }),
    cooldownMs: z.number().meta({ description: 'settings.retrain.cooldown: least time between automatic retrains' }),
    cooldownUntil: z.string().nullable().meta({ description: 'No automatic retrain before this ISO time (the last retrain, whatever started it, + cooldown); null: none' }),
    retrainActive: z.boolean().meta({ description: 'A retrain of the model is queued or running (no trigger fires meanwhile)' }),
    recencyHalfLifeMs: z
      .number()
      .nullable()
      .meta({ description: "settings.retrain.params.recencyHalfLife of the built-in trainer: a training row's weight halves with each half-life of age; null: rows weigh the same" }),
  })
  .meta({ id: 'RetrainTriggers' });
export type RetrainTriggerStatus = z.output<typeof retrainTriggerStatusSchema>;

const ACTIVE: readonly string[] = ['queued', 'running'];

/** The actor of these retrains: an editor of this one model (retrain needs `edit`; auth/roles.ts). */
export function triggerActor(model: string): Actor {
  return { name: 'system:retrain-schedule', role: 'editor', models: [model] };
}

export function nextPlannedRun(schedule: NonNullable<RetrainSettings['schedule']>, after: number): number | null {
  return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(after))?.getTime() ?? null;
}

export class RetrainTriggers {
  private readonly deps: RetrainTriggerDeps;
  /** Per model and pattern: the planned run not yet due. Set when first seen, so a new schedule never fires for a past run. */
  private readonly planned = new Map<string, number | null>();
  private loop: { close(): Promise<void> } | undefined;
  private lookbackMs: number;

  constructor(deps: RetrainTriggerDeps) {
    this.deps = deps;
    this.lookbackMs = deps.lookbackMs ?? 0;
  }

  /** Checks every `intervalMs` (0: never; the caller runs tick(), compose/server.ts createSteppedContext). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.lookbackMs = this.deps.lookbackMs ?? intervalMs + this.deps.leases.ttlMs;
    this.loop = this.deps.leases.every('retrain-triggers', intervalMs, (signal) => this.tick(signal));
  }

  async close(): Promise<void> {
    await this.loop?.close();
  }

  /** One pass over the models: enqueues the retrains that are due; an aborted `signal` (lease lost) stops it. */
  async tick(signal?: AbortSignal): Promise<void> {
    const now = this.deps.clock.now();
    for (const model of await this.deps.models.list()) {
      signal?.throwIfAborted();
      let settings: RetrainSettings;
      try {
        settings = retrainSettingsOf(model.settings);
      } catch {
        continue; // settings stored before they were validated: the model page's save reports them
      }
      if (!settings.schedule && !settings.volume) continue;
      try {
        await this.check(model, settings, now);
      } catch (error) {
        this.deps.logger.warn({ err: error, model: model.name }, 'retrain trigger failed');
      }
    }
  }

  async status(model: TriggerModel): Promise<RetrainTriggerStatus> {
    const settings = retrainSettingsOf(model.settings);
    const now = this.deps.clock.now();
    const history = await this.history(model);
    const key = settings.schedule ? `${model.name}\u0000${settings.schedule.cron}\u0000${settings.schedule.timezone}` : '';
    const nextRun = settings.schedule ? (this.planned.get(key) ?? nextPlannedRun(settings.schedule, now)) : null;
    const volume = settings.volume ? { labelledRows: settings.volume.labelledRows, ...(await this.labelledSince(model.name, history.since, now)) } : null;
    const until = history.lastCreated + settings.cooldown;
    return {
      model: model.name,
      schedule: settings.schedule ? { ...settings.schedule, nextRun: nextRun === null ? null : new Date(nextRun).toISOString() } : null,
      volume: volume && { labelledRows: volume.labelledRows, labelledSinceLastTraining: volume.count, since: new Date(history.since).toISOString() },
      cooldownMs: settings.cooldown,
      cooldownUntil: until > now ? new Date(until).toISOString() : null,
      retrainActive: history.active,
      recencyHalfLifeMs: parseDuration(settings.params.recencyHalfLife) ?? null,
    };
  }

  private async check(model: TriggerModel, settings: RetrainSettings, now: number): Promise<void> {
    const history = await this.history(model);
    const blocked = history.active ? 'a retrain is queued or running' : now - history.lastCreated < settings.cooldown ? `cooldown ${settings.cooldown / 1000} s after the last retrain` : null;
    if (settings.schedule) {
      const key = `${model.name}\u0000${settings.schedule.cron}\u0000${settings.schedule.timezone}`;
      if (!this.planned.has(key)) this.planned.set(key, nextPlannedRun(settings.schedule, this.firstLook(model, now)));
      const due = this.planned.get(key);
      if (due != null && due <= now) {
        this.planned.set(key, nextPlannedRun(settings.schedule, now));
        const iso = new Date(due).toISOString();
        if (blocked) {
          this.deps.logger.info({ model: model.name, planned: iso }, `scheduled retrain skipped: ${blocked}`);
        } else {
          await this.enqueue(model.name, `schedule ${settings.schedule.cron} (${settings.schedule.timezone})`, `schedule:${model.name}:${iso}`);
          return;
        }
      }
    }
    if (settings.volume && !blocked) {
      const { count } = await this.labelledSince(model.name, history.since, now);
      if (count >= settings.volume.labelledRows) {
        const reason = `${count.toLocaleString('en-US')} labelled rows since the last training ≥ ${settings.volume.labelledRows.toLocaleString('en-US')}`;
        // One key per (baseline, last retrain): replicas agree on it, and a failed retrain does not block the next one.
        await this.enqueue(model.name, reason, `volume:${model.name}:${new Date(history.since).toISOString()}:${Number.isFinite(history.lastCreated) ? new Date(history.lastCreated).toISOString() : 'none'}`);
      }
    }
  }

  /**
   * Where a pass starts looking for a schedule's planned runs when it sees the schedule first:
   * `lookbackMs` back (a run the previous lease holder may have missed; its idempotency key
   * makes it one job if that holder did enqueue it), never before the schedule was saved.
   */
  private firstLook(model: TriggerModel, now: number): number {
    const saved = model.updatedAt ? Date.parse(model.updatedAt) : Number.NaN;
    const back = now - this.lookbackMs;
    return Number.isFinite(saved) && saved > back && saved <= now ? saved : back;
  }

  private async enqueue(model: string, reason: string, idempotencyKey: string): Promise<void> {
    await this.deps.jobs.retrain(model, { reason }, triggerActor(model), idempotencyKey);
    this.deps.logger.info({ model, reason }, 'retrain triggered');
  }

  /** The model's retrain jobs: one active?, when the last was queued (cooldown), where the last success's window ended. */
  private async history(model: TriggerModel): Promise<{ active: boolean; lastCreated: number; since: number }> {
    const jobs = (await this.deps.jobs.list({ model: model.name, limit: 100 })).filter((j) => j.type === 'retrain');
    // A retrain's window ends when it was queued (retrain-job.ts prepare): rows labelled since then are new to it.
    const success = jobs.find((j) => j.status === 'succeeded');
    return {
      active: jobs.some((j) => ACTIVE.includes(j.status)),
      lastCreated: jobs[0] ? Date.parse(jobs[0].createdAt) : -Infinity,
      since: success ? Date.parse(success.createdAt) : Date.parse(model.createdAt),
    };
  }

  private async labelledSince(model: string, since: number, now: number): Promise<{ count: number }> {
    if (!(since < now)) return { count: 0 };
    const rows = await this.deps.totals.totals(model, { from: since, to: now });
    return { count: rows.reduce((sum, r) => sum + r.labelled, 0) };
  }
}
