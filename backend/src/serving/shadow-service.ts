import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import { actorName, type Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict, DomainError, invalid, notFound } from '../core/errors.ts';
import type { ModelService } from '../models/model-service.ts';
import { thresholdsOf } from '../monitor/quality-settings.ts';
import type { ScoreDriftQuery, ScoreDriftResult } from '../monitor/query-score-drift.ts';
import type { RollupTotals, TotalsQuery } from '../monitor/query-totals.ts';
import { CHAMPION_ARM, MINUTE_MS, SCORE_BINS, SHADOW_ARM } from '../monitor/rollup.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { VersionRegistry } from '../registry/versions.ts';
import type { TrafficRouter } from './router.ts';
import { compareShadow, type ShadowComparison, type SideTotals } from './shadow-comparison.ts';
import type { ShadowRecord, ShadowStore } from './shadow-store.ts';

/** The monitor's queries the comparison reads (MonitorService). */
export interface ShadowMonitor {
  totals(model: string, q: TotalsQuery): Promise<RollupTotals[]>;
  scoreDrift(model: string, q: ScoreDriftQuery): Promise<ScoreDriftResult>;
}

export interface ShadowServiceDeps {
  store: ShadowStore;
  router: TrafficRouter;
  registry: Pick<VersionRegistry, 'getVersion' | 'aliases' | 'ensureLoaded'>;
  models: Pick<ModelService, 'get'>;
  monitor: ShadowMonitor;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** One start or stop per model at a time in this process (two starts must not leave two running shadows). */
  locks: KeyedMutex;
}

export interface StartShadowInput {
  version: string;
  reason?: string | undefined;
  /** The retrain flow's plan (jobs/retrain-shadow.ts): when to judge it and what follows. */
  release?: Record<string, unknown> | undefined;
}

export interface ShadowView extends ShadowRecord {
  status: 'running' | 'stopped';
}

export interface ShadowStatus {
  model: string;
  /** The running shadow, else the newest stopped one; null when the model never had one. */
  shadow: ShadowView | null;
  /** Over [from, to) (default: the shadow's run); null without a shadow. */
  comparison: ShadowComparison | null;
}

const withStatus = (r: ShadowRecord): ShadowView => ({ ...r, status: r.stoppedAt === null ? 'running' : 'stopped' });

/**
 * Shadow releases: a version that scores the champion's requests without serving them
 * (shadow-scorer.ts), compared live with the champion before a canary. One shadow per model;
 * starting another replaces it. The running shadow is stored (table `shadows`) and every
 * replica's router follows it on its alias sync (`sync`).
 */
export class ShadowService {
  private readonly deps: ShadowServiceDeps;

  constructor(deps: ShadowServiceDeps) {
    this.deps = deps;
  }

  start(model: string, input: StartShadowInput, actor: Actor | string): Promise<ShadowStatus> {
    return this.deps.locks.run(model, () => this.startLocked(model, input, actor));
  }

  private async startLocked(model: string, input: StartShadowInput, actor: Actor | string): Promise<ShadowStatus> {
    const { store, registry, router, audit, clock } = this.deps;
    const m = await this.deps.models.get(model);
    await registry.getVersion(model, input.version);
    const champion = (await registry.aliases(model)).champion;
    if (!champion) throw new DomainError('failed_precondition', `model "${model}" has no champion for a shadow to score beside; promote a version first`);
    if (champion === input.version) throw conflict(`body.version: "${input.version}" is the champion; a shadow must be another version`);
    const running = await store.running(model);
    if (running?.version === input.version) return this.status(model);
    try {
      await registry.ensureLoaded(model, input.version);
    } catch (error) {
      throw new DomainError('failed_precondition', `body.version: "${input.version}" cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
    }
    const thresholds = thresholdsOf(m.settings);
    const now = clock.now();
    if (running) await this.stopRecord(model, `replaced by ${input.version}`, actor);
    const record: ShadowRecord = {
      id: randomUUID(),
      model,
      version: input.version,
      champion,
      startedAt: now,
      startedBy: actorName(actor),
      stoppedAt: null,
      stopReason: null,
      release: input.release ?? null,
      outcome: null,
    };
    if (!(await store.insert(record))) {
      throw conflict(`model "${model}": another shadow was started at the same time (on another replica); see GET /api/v1/models/${model}/shadow`);
    }
    router.setShadow(model, { version: input.version, thresholds: { champion: thresholds(champion), shadow: thresholds(input.version) } });
    await audit.record({ type: 'shadow.start', model, actor, reason: input.reason ?? null, fromVersion: champion, toVersion: input.version, details: { shadowId: record.id, ...(record.release ? { release: record.release } : {}) } });
    return this.status(model);
  }

  async stop(model: string, reason: string | undefined, actor: Actor | string, outcome?: Record<string, unknown>): Promise<ShadowStatus> {
    await this.deps.models.get(model);
    const stopped = await this.deps.locks.run(model, () => this.stopRecord(model, reason ?? 'stopped', actor, outcome));
    if (!stopped) throw notFound(`model "${model}" has no running shadow`);
    return this.status(model);
  }

  async status(model: string, range: { from?: number | undefined; to?: number | undefined } = {}): Promise<ShadowStatus> {
    await this.deps.models.get(model);
    const latest = await this.deps.store.latest(model);
    if (!latest) return { model, shadow: null, comparison: null };
    return { model, shadow: withStatus(latest), comparison: await this.compare(latest, range) };
  }

  /** The running shadows (metrics, the retrain flow's release loop). */
  running(): Promise<ShadowRecord[]> {
    return this.deps.store.allRunning();
  }

  /** The comparison of a shadow over [from, to): by default its whole run up to now. */
  async compare(shadow: ShadowRecord, range: { from?: number | undefined; to?: number | undefined } = {}): Promise<ShadowComparison> {
    const { monitor, store, clock } = this.deps;
    const to = Math.ceil((range.to ?? shadow.stoppedAt ?? clock.now()) / MINUTE_MS) * MINUTE_MS;
    const from = Math.floor((range.from ?? shadow.startedAt) / MINUTE_MS) * MINUTE_MS;
    if (range.from !== undefined && range.to !== undefined && !(range.from < range.to)) throw invalid('query.from must be before query.to');
    const end = Math.max(to, from + MINUTE_MS);
    const champion = shadow.champion;
    const [totals, drift, pairs] = await Promise.all([
      monitor.totals(shadow.model, { from, to: end }),
      // Only the range's histograms are used: the query's reference range is cut to one minute.
      monitor.scoreDrift(shadow.model, { from, to: end, referenceFrom: from - MINUTE_MS, referenceTo: from, versions: [champion, shadow.version], arms: [CHAMPION_ARM, SHADOW_ARM] }),
      store.pairSums(shadow.model, shadow.version, champion, from, end),
    ]);
    const side = (version: string, arm: string): { totals: SideTotals; scores: Float64Array } => {
      const t = totals.find((x) => x.version === version && x.arm === arm);
      const h = drift.series.find((x) => x.version === version && x.arm === arm)?.histogram.current ?? new Array<number>(SCORE_BINS).fill(0);
      return {
        totals: { requests: t?.requests ?? 0, errors: t?.errors ?? 0, latencyP50: t?.latencyP50 ?? null, latencyP99: t?.latencyP99 ?? null },
        scores: Float64Array.from([...h, 0]),
      };
    };
    return compareShadow({ from, to: end, pairs, champion: { version: champion, ...side(champion, CHAMPION_ARM) }, shadow: { version: shadow.version, ...side(shadow.version, SHADOW_ARM) } });
  }

  /**
   * The router follows the stored shadows (at start and on each alias sync, so a shadow started
   * on another replica scores here too); a shadow whose version became champion, or whose
   * champion was replaced, is stopped: its pairs would compare it with itself or a retired version.
   */
  async sync(): Promise<void> {
    const { store, router, registry, models, logger } = this.deps;
    const running = await store.allRunning();
    const keep = new Set<string>();
    for (const shadow of running) {
      try {
        const champion = (await registry.aliases(shadow.model)).champion;
        if (champion !== shadow.champion) {
          await this.stopRecord(shadow.model, champion === shadow.version ? 'promoted to champion' : `the champion changed from ${shadow.champion} to ${champion ?? 'none'}`, 'system');
          continue;
        }
        if (!router.shadowRoute(shadow.model) || router.shadowRoute(shadow.model)?.version !== shadow.version) {
          const thresholds = thresholdsOf((await models.get(shadow.model)).settings);
          await registry.ensureLoaded(shadow.model, shadow.version).catch((error: unknown) => logger.warn({ err: error, model: shadow.model, version: shadow.version }, 'shadow version cannot be loaded; it scores nothing'));
          router.setShadow(shadow.model, { version: shadow.version, thresholds: { champion: thresholds(shadow.champion), shadow: thresholds(shadow.version) } });
        }
        keep.add(shadow.model);
      } catch (error) {
        logger.warn({ err: error, model: shadow.model }, 'shadow sync failed for this model');
        keep.add(shadow.model);
      }
    }
    for (const model of router.shadowModels()) if (!keep.has(model)) router.setShadow(model, undefined);
  }

  private async stopRecord(model: string, reason: string, actor: Actor | string, outcome?: Record<string, unknown>): Promise<ShadowRecord | undefined> {
    const stopped = await this.deps.store.stop(model, this.deps.clock.now(), reason, outcome);
    this.deps.router.setShadow(model, undefined);
    if (stopped) {
      await this.deps.audit.record({ type: 'shadow.stop', model, actor, reason, fromVersion: stopped.champion, toVersion: stopped.version, details: { shadowId: stopped.id, ...(outcome ? { outcome } : {}) } });
    }
    return stopped;
  }
}
