/** The scenario engine (engine-api.ts describes the contract and the order of each minute's steps). */
import { createExperimentSchema } from '../experiments/experiment-schemas.ts';
import { promoteBodySchema } from '../actions/action-types.ts';
import { createModelSchema } from '../models/model-schemas.ts';
import { VirtualClock } from '../core/clock.ts';
import { AlertDelivery, shippedRules } from './alert-delivery.ts';
import {
  DEFAULT_START_MS,
  MINUTE_MS,
  type EngineControl,
  type EngineView,
  type Injection,
  type MinuteRecord,
  type Operation,
  type RunOptions,
  type ScenarioResult,
  type ScenarioSpec,
  type TimelineEvent,
  type VersionKpis,
} from './engine-api.ts';
import { WorldFaults } from './faults.ts';
import { Observer } from './observer.ts';
import { Population } from './population.ts';
import { startSteppedService, type SteppedService } from './service.ts';
import { MinuteCounts, ScenarioTraffic } from './traffic.ts';
import { registerVersion, trainVersion, type TrainedVersion } from './versions.ts';
import { baseWorld, demoFeatures, World } from './world.ts';

/** When in each minute the loops and the rule evaluation run (like a scrape at :59). */
const EVALUATE_AT_MS = 59_000;

const defaultSettings: Record<string, unknown> = {
  retrain: { window: '20m', label: 'click', onSuccess: 'canary', canary: { weight: 50, primaryMetric: 'ctr', autoDecide: true }, params: { maxIterations: 80 } },
  health: { ctr: { minBaselineImpressions: 2000 } },
  metrics: { driftWindow: '15m' },
};

type EventBody = TimelineEvent extends infer E ? (E extends TimelineEvent ? Omit<E, 'minute' | 'ts' | 'act'> : never) : never;

export async function runScenario(spec: ScenarioSpec, options: RunOptions = {}): Promise<ScenarioResult> {
  const wallStart = performance.now();
  const startAt = spec.startAt ?? DEFAULT_START_MS;
  const clock = new VirtualClock(startAt);
  const world = new World(spec.seed);
  world.state = { ...baseWorld, ...spec.world };
  const faults = new WorldFaults(spec.seed);
  const service = await startSteppedService(options, clock, faults, spec.seed);
  try {
    const run = new Run(spec, options, service, clock, world, faults);
    await run.setUp();
    await run.play();
    return { ...run.result(), wallMs: Math.round(performance.now() - wallStart) };
  } finally {
    await service.close();
  }
}

/** The byte-stable form of a result (without the wall time). */
export function serializeResult(result: ScenarioResult): string {
  const { wallMs: _wall, ...rest } = result;
  return JSON.stringify(rest);
}

class Run {
  private readonly spec: ScenarioSpec;
  private readonly options: RunOptions;
  private readonly service: SteppedService;
  private readonly clock: VirtualClock;
  private readonly world: World;
  private readonly faults: WorldFaults;
  private readonly model: string;
  private readonly observer = new Observer();
  private readonly timeline: TimelineEvent[] = [];
  private readonly minutes: MinuteRecord[] = [];
  private readonly versions: string[] = [];
  private readonly trained = new Map<string, TrainedVersion>();
  private readonly skippedRules: string[];
  private readonly alerts: AlertDelivery;
  private readonly traffic: ScenarioTraffic;
  private minute = 0;
  private act = 1;
  private champion: string | null = null;
  private activeJobs = 0;
  private auditFrom = 0;
  private finished = false;

  constructor(spec: ScenarioSpec, options: RunOptions, service: SteppedService, clock: VirtualClock, world: World, faults: WorldFaults) {
    this.spec = spec;
    this.options = options;
    this.service = service;
    this.clock = clock;
    this.world = world;
    this.faults = faults;
    this.model = spec.model.name ?? 'shop-ctr';
    const { ctx, loops } = service;
    const shipped = spec.alerts?.rules ? { rules: spec.alerts.rules, skipped: [] } : shippedRules();
    this.skippedRules = shipped.skipped;
    this.alerts = new AlertDelivery(
      shipped.rules,
      { metrics: () => ctx.metrics.prometheus.metrics(), authenticateToken: (t) => ctx.tokens.authenticate(t), receive: (n, s) => ctx.alerts.receive(n, s) },
      service.webhookToken,
      spec.alerts?.deliver ?? true,
    );
    this.traffic = new ScenarioTraffic({
      ports: { predict: (m, input) => ctx.serving.predict(m, input), flushPredictions: () => loops.flushPredictions(), ingestOutcomes: (m, r) => ctx.monitor.ingestOutcomes(m, r) },
      world,
      population: new Population(world, spec.traffic.units, spec.traffic.propensitySd ?? 0.5),
      faults,
      model: this.model,
      candidates: spec.traffic.candidates ?? 8,
    });
  }

  private get now(): number {
    return this.clock.now();
  }

  private push(body: EventBody): void {
    this.timeline.push({ minute: this.minute, ts: this.now, act: this.act, ...body } as TimelineEvent);
  }

  async setUp(): Promise<void> {
    const { ctx, admin } = this.service;
    const settings = this.spec.model.replaceDefaultSettings ? (this.spec.model.settings ?? {}) : merge(defaultSettings, this.spec.model.settings ?? {});
    await ctx.models.create(
      createModelSchema.parse({ name: this.model, features: demoFeatures, description: this.spec.model.description ?? `scenario ${this.spec.name}`, settings }),
      admin,
    );
    for (const v of this.spec.versions) await this.register(v);
    const first = this.spec.versions.find((v) => v.champion);
    if (first) await this.promote(first.version, 'initial deployment');
    for (const i of this.spec.injections ?? []) if (i.kind !== 'drift') this.faults.add(i);
    this.champion = (await this.service.ctx.registry.aliases(this.model)).champion ?? null;
    if (this.skippedRules.length) this.push({ kind: 'note', message: `alert rules not evaluated (expression not understood by scenarios/rule-evaluator.ts): ${this.skippedRules.join(', ')}` });
  }

  private async register(v: ScenarioSpec['versions'][number]): Promise<void> {
    const copied = v.copyOf === undefined ? undefined : this.trained.get(v.copyOf);
    if (v.copyOf !== undefined && !copied) throw new Error(`version ${v.version}: copyOf "${v.copyOf}" names no version registered before it`);
    const trained = copied ?? (await trainVersion(this.world, v));
    await registerVersion(this.service, this.model, v, trained);
    this.trained.set(v.version, trained);
    this.versions.push(v.version);
  }

  private async promote(version: string, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.service.ctx.actions.promote(this.model, promoteBodySchema.parse({ version, reason, ...extra }), this.service.admin);
    await this.service.loops.syncAliases();
  }

  async play(): Promise<void> {
    const { loops } = this.service;
    for (this.minute = 0; this.minute < this.spec.horizonMinutes && !this.finished; this.minute++) {
      const now = (this.spec.startAt ?? DEFAULT_START_MS) + this.minute * MINUTE_MS;
      if (this.now < now) this.clock.set(now);
      this.faults.startMinute(this.minute);
      for (const i of this.spec.injections ?? []) if (i.at === this.minute) this.applyInjection(i, false);
      for (const o of this.spec.operations ?? []) if (o.at === this.minute) await this.operate(o);
      await this.options.hooks?.onMinute?.(this.view(), this.control());
      const visits = this.faults.visitsPerMinute(this.spec.traffic.visitsPerMinute);
      const counts = await this.traffic.serve(visits, now, this.minute, this.faults.labelDelayMinutes(this.spec.traffic.labelDelayMinutes ?? 0));
      await this.traffic.deliverOutcomes(this.minute);
      this.clock.set(now + EVALUATE_AT_MS);
      await runLoops(loops);
      const { samples, delivered } = await this.alerts.step(this.now);
      for (const { alert, result } of delivered) {
        // Its fingerprint hashes the labels, an experiment's random id among them: texts name it alert#n.
        this.observer.name('alert', alert.fingerprint);
        this.push({
          kind: 'alert',
          status: alert.status,
          alertname: alert.labels.alertname ?? '',
          labels: this.observer.cleanLabels(alert.labels),
          result: result && { action: result.action, outcome: result.outcome, reason: this.observer.clean(result.reason) },
        });
      }
      // What the alerts set off (a retrain and its canary, a rollback) happens in this minute.
      if (delivered.length) await runLoops(loops);
      await this.observe();
      const drift = samples.find((s) => s.name === 'modelwatch_dataset_drift_share' && s.labels.model === this.model && s.labels.version === this.champion);
      const auc = samples.find((s) => s.name === 'modelwatch_quality' && s.labels.kpi === 'auc' && s.labels.model === this.model && s.labels.version === this.champion && s.labels.arm === 'champion');
      const record: MinuteRecord = {
        minute: this.minute,
        ts: now,
        act: this.act,
        champion: this.champion,
        versions: Object.fromEntries([...counts.byVersion.keys()].sort().map((v) => [v, this.kpis(counts, v)])),
        total: this.kpis(counts, null),
        gauges: {
          driftShare: drift && Number.isFinite(drift.value) ? drift.value : null,
          championAuc: auc && Number.isFinite(auc.value) ? auc.value : null,
        },
      };
      this.minutes.push(record);
      this.options.hooks?.afterMinute?.(this.view(), record);
    }
  }

  private kpis(counts: MinuteCounts, version: string | null): VersionKpis {
    const parts = version === null ? [...counts.byVersion.values()] : [counts.of(version)];
    const sum = (k: 'visits' | 'impressions' | 'clicks' | 'expectedClicks' | 'conversions' | 'errors' | 'lostVisits') => parts.reduce((s, p) => s + p[k], 0);
    const latencies = (version === null ? [...this.faults.latencies.values()].flat() : (this.faults.latencies.get(version) ?? [])).sort((a, b) => a - b);
    const impressions = sum('impressions');
    const clicks = sum('clicks');
    return {
      visits: sum('visits'),
      impressions,
      clicks,
      expectedClicks: round(sum('expectedClicks'), 6),
      expectedCtr: impressions ? round(sum('expectedClicks') / impressions, 8) : null,
      conversions: sum('conversions'),
      errors: sum('errors'),
      lostVisits: sum('lostVisits'),
      ctr: impressions ? clicks / impressions : null,
      cvr: clicks ? sum('conversions') / clicks : null,
      p99Ms: latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]!, 3) : null,
    };
  }

  private applyInjection(i: Injection, add: boolean): void {
    if (i.kind === 'drift') this.world.state = { ...this.world.state, ...i.world };
    else if (add) this.faults.add(i);
    this.push({ kind: 'injection', injection: i });
  }

  private async operate(o: Operation): Promise<void> {
    const { ctx, admin } = this.service;
    if (o.kind === 'register') {
      await this.register(o.version);
      this.push({ kind: 'operation', operation: 'register', version: o.version.version });
    } else if (o.kind === 'promote') {
      await this.promote(o.version, o.reason ?? 'scenario operation');
      this.push({ kind: 'operation', operation: 'promote', version: o.version });
    } else if (o.kind === 'canary') {
      await this.promote(o.version, o.reason ?? 'scenario canary', { strategy: 'canary', ...(o.steps ? { steps: o.steps } : {}), stepSeconds: (o.stepMinutes ?? 5) * 60 });
      this.push({ kind: 'operation', operation: 'canary', version: o.version });
    } else if (o.kind === 'experiment') {
      const champion = (await ctx.registry.aliases(this.model)).champion ?? null;
      const arms = o.experiment.arms.map((a) => ({ ...a, version: a.version === '$champion' ? (champion ?? a.version) : a.version }));
      const salt = `scenario-${this.spec.seed}-${this.minute}`;
      const { experiment } = await ctx.experiments.create(createExperimentSchema.parse({ salt, ...o.experiment, arms, model: this.model }), admin);
      this.push({ kind: 'operation', operation: 'experiment', experiment: this.observer.name('experiment', experiment.id) });
    } else {
      for (const e of await ctx.experiments.list({ model: this.model, status: 'running' })) {
        await ctx.experiments.stop(e.id, { decision: 'none', reason: o.reason }, admin);
        this.push({ kind: 'operation', operation: 'stop-experiment', experiment: this.observer.name('experiment', e.id) });
      }
    }
    await this.service.loops.syncAliases();
  }

  /** Audit entries of this minute, experiment changes, the champion and the jobs in flight. */
  private async observe(): Promise<void> {
    const { ctx } = this.service;
    const entries = await ctx.audit.list({ model: this.model, fromMs: this.auditFrom, toMs: this.now, limit: 10_000 });
    this.auditFrom = this.now + 1;
    for (const body of this.observer.auditEvents(entries.reverse())) this.push(body);
    for (const body of this.observer.experimentChanges(await ctx.experiments.list({ model: this.model }), this.minute)) this.push(body);
    this.champion = (await ctx.registry.aliases(this.model)).champion ?? null;
    const jobs = await ctx.jobs.list({ model: this.model });
    this.activeJobs = jobs.filter((j) => j.status === 'queued' || j.status === 'running').length;
  }

  private view(): EngineView {
    return {
      spec: this.spec,
      minute: this.minute,
      now: this.now,
      model: this.model,
      champion: this.champion,
      timeline: this.timeline,
      minutes: this.minutes,
      runningExperiments: this.observer.experimentViews().filter((e) => e.status === 'running'),
      activeJobs: this.activeJobs,
    };
  }

  private control(): EngineControl {
    return {
      inject: (i) => this.applyInjection({ ...i, at: this.minute } as Injection, true),
      operate: (o) => this.operate({ ...o, at: this.minute } as Operation),
      note: (message, act) => {
        if (act !== undefined) this.act = act;
        this.push({ kind: 'note', message });
      },
      finish: () => {
        this.finished = true;
      },
    };
  }

  result(): Omit<ScenarioResult, 'wallMs'> {
    const last = this.minutes.at(-1);
    return {
      name: this.spec.name,
      seed: this.spec.seed,
      minutesRun: this.minutes.length,
      timeline: this.timeline,
      minutes: this.minutes,
      final: {
        champion: this.champion,
        challenger: null,
        serving: last ? Object.entries(last.versions).filter(([, k]) => k.visits > 0).map(([v]) => v).sort() : [],
        experiments: this.observer.experimentViews(),
        versions: this.versions,
      },
    };
  }
}

/** Each loop once, in the fixed order of engine-api.ts step 3. */
async function runLoops(loops: SteppedService['loops']): Promise<void> {
  await loops.flushPredictions();
  await loops.flushMonitor();
  await loops.syncAliases();
  await loops.stepRamps();
  await loops.autoDecide();
  await loops.runJobs();
  await loops.shadowReleases();
  await loops.syncAliases();
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
