/**
 * `ctx.experiments`: A/B experiments between versions of a model.
 *
 * - Create: arms (name, version, weight; arm 0 is the control), a primary metric, guardrails
 *   and settings. Weights are normalised; the bucket allocation (assignment.ts) and a salt
 *   are stored, so assignment is the same on every replica and after restarts. At most one
 *   running experiment per model (a partial unique index enforces it across replicas).
 * - Assign: xxHash64(salt:unitId) → bucket → arm, from an in-memory copy of the running
 *   experiments (re-read from the store every few seconds in the background, so changes
 *   made by other replicas arrive; changes made here apply at once). No unit id: a random
 *   arm by weight.
 * - Ramp: new weights reallocate with the minimal-move scheme (only Σ max(0, old − new) of
 *   the buckets change arm); every split is kept with its start time, so the SRM check
 *   expects the right mix of splits.
 * - Results: rollup totals since the start (per weight period), then results.ts.
 * - Stop: promote (the winning or named arm's version via ctx.actions.promote), rollback
 *   (restore the control's version as champion if it is not any more) or none; recorded as
 *   a `stop_experiment` action (idempotency keys, audit) with the results at that time.
 *
 * "Now" is ctx.clock; the domain never reads Date.now() except for cache ages and timers.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit.ts';
import { roleAllows, systemActor, type Actor } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { conflict, DomainError, invalid, notFound } from '../core/errors.ts';
import type { LatencySketch } from '../monitor/latency-sketch.ts';
import type { ModelService } from '../models/model-service.ts';
import type { Store } from '../store/database.ts';
import type { Direction } from '../stats/abtest/bayesian.ts';
import type { Difference } from '../stats/abtest/effect.ts';
import { DEFAULT_SEQUENTIAL_TUNING } from '../stats/abtest/sequential.ts';
import {
  allocateBuckets,
  BUCKET_COUNT,
  createArmRouter,
  loadAssignmentHasher,
  movedFraction,
  type Allocation,
  type ArmRouter,
  type AssignmentHasher,
} from '../serving/assignment.ts';
import {
  ExperimentStore,
  type Experiment,
  type ExperimentArm,
  type ExperimentQuery,
  type GuardrailSpec,
  type StopDecision,
} from './experiment-store.ts';
import { addCounts, DEFAULT_SECONDARY_METRICS, emptyCounts, latencySumSquares, METRICS, type ArmCounts } from './metric-catalog.ts';
import { registerExperimentGauges, type ExperimentSnapshot } from './metrics-export.ts';
import { computeResults, describeRecommendation, type ExperimentResults } from './results.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Bound of the closed-hours totals cache (entries are per model and period). */
const CLOSED_TOTALS_ENTRIES = 256;

const seriesKey = (version: string, arm: string): string => `${version}\u0000${arm}`;

/** Rollup counters as ctx.monitor.totals returns them (INTERFACES.md). */
export interface TotalsRow {
  version: string;
  arm: string;
  requests: number;
  errors: number;
  impressions: number;
  clicks: number;
  conversions: number;
  labelled: number;
  positives: number;
  scoreCount?: number;
  scoreSum?: number;
  scoreSumSq?: number;
  latencyCount?: number;
  latencySum?: number;
  latency?: LatencySketch;
}

interface MonitorLike {
  totals(model: string, q: { from: number; to: number; version?: string; arm?: string }): Promise<TotalsRow[]>;
}
interface RegistryLike {
  findVersion(model: string, version: string): Promise<{ validation?: { status: string } } | undefined>;
  aliases(model: string): Promise<{ champion?: string; challenger?: string }>;
}
interface ActionLike {
  id: string;
  status?: string;
  [key: string]: unknown;
}
interface ActionReplyLike {
  action: ActionLike;
  replayed?: boolean;
}
interface ActionsLike {
  promote(model: string, input: { version?: string; reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReplyLike>;
  rollback(model: string, input: { toVersion?: string; reason: string }, actor: Actor, idempotencyKey?: string): Promise<ActionReplyLike>;
  run(
    type: string,
    model: string,
    actor: Actor | string,
    reason: string,
    idempotencyKey: string | undefined,
    work: (action: { id: string }) => Promise<{ fromVersion?: string | null; toVersion?: string | null; details?: Record<string, unknown> } | void>,
  ): Promise<ActionReplyLike>;
}
interface ServingLike {
  ensureLoaded(model: string, version: string): Promise<unknown>;
}

/** Other areas' services, read at call time (they may be wired after this one). */
export interface ExperimentPeers {
  monitor?: Partial<MonitorLike>;
  registry?: Partial<RegistryLike>;
  actions?: Partial<ActionsLike>;
  serving?: Partial<ServingLike>;
}

export interface ExperimentServiceDeps {
  store: Store;
  audit: AuditLog;
  models: ModelService;
  clock: Clock;
  logger: Logger;
  peers: () => ExperimentPeers;
  /** Where the experiment gauges go (absent: none). */
  registry?: Registry;
}

export interface ExperimentServiceOptions {
  /** How old the in-memory copy of running experiments may get before a background re-read. */
  cacheTtlMs?: number;
  /** Wall-clock period of evaluateRunning() for experiments with autoDecide; 0: never. */
  autoDecideIntervalMs?: number;
  /** Gauge snapshot cache (scrapes within it share one computation). */
  exportTtlMs?: number;
  /**
   * How long (wall time) the rollup totals of closed hours (before the previous hour) are
   * reused by results; 0: always read everything. Late outcomes for those hours show up
   * within this time.
   */
  closedTotalsTtlMs?: number;
}

export interface GuardrailInput {
  metric: string;
  direction?: Direction | undefined;
  margin: number;
  difference?: Difference | undefined;
}

export interface CreateExperimentInput {
  model: string;
  arms: { name: string; version: string; weight: number }[];
  primaryMetric: string;
  guardrails?: GuardrailInput[] | undefined;
  metrics?: string[] | undefined;
  sequential?: boolean | undefined;
  tuning?: number | undefined;
  alpha?: number | undefined;
  minSampleSize?: number | undefined;
  maxSampleSize?: number | undefined;
  minimumEffect?: number | undefined;
  salt?: string | undefined;
  autoDecide?: boolean | undefined;
  description?: string | undefined;
}

export interface StopInput {
  decision: StopDecision;
  reason?: string | undefined;
  /** promote: which arm's version (default: the recommended winner, or the only treatment). */
  arm?: string | undefined;
}

/** The API shape of an experiment. */
export interface ExperimentView {
  id: string;
  model: string;
  status: Experiment['status'];
  primaryMetric: string;
  arms: ExperimentArm[];
  guardrails: GuardrailSpec[];
  metrics: string[];
  sequential: boolean;
  tuning: number | null;
  alpha: number;
  minSampleSize: number;
  maxSampleSize: number | null;
  minimumEffect: number | null;
  autoDecide: boolean;
  salt: string;
  allocation: { buckets: number; arms: { name: string; buckets: number; ranges: { start: number; end: number }[] }[] };
  weightHistory: { at: string; weights: Record<string, number> }[];
  description: string | null;
  createdBy: string;
  startedAt: string;
  stoppedAt: string | null;
  stoppedBy: string | null;
  decision: StopDecision | null;
  stopReason: string | null;
}

export interface Assignment {
  experimentId: string;
  arm: string;
  version: string;
}

export interface StopResult {
  experiment: ExperimentView;
  action: ActionLike | null;
  /** The recommendation when stopped (null when results could not be computed). */
  recommendation: string | null;
  /** The promote/rollback action the stop performed, if any. */
  championChange: ActionLike | null;
  notes: string[];
  replayed: boolean;
}

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

interface CachedExperiment {
  experiment: Experiment;
  router: ArmRouter;
}

const DEFAULT_SEQUENTIAL_MIN_SAMPLE = 1000;
const EXPORT_LIMIT = 50;

const round = (x: number): number => Number(x.toPrecision(12));

export class ExperimentService {
  private readonly deps: ExperimentServiceDeps;
  private readonly rows: ExperimentStore;
  private readonly cacheTtlMs: number;
  private readonly autoDecideIntervalMs: number;
  private readonly exportTtlMs: number;
  private readonly closedTotalsTtlMs: number;
  private readonly closedTotals = new Map<string, { at: number; value: Promise<Map<string, ArmCounts>> }>();
  private hasher: AssignmentHasher | undefined;
  private cache = new Map<string, CachedExperiment>();
  private cacheAt = -Infinity;
  private loading: Promise<void> | undefined;
  /** Changes made in this process, numbered, so that a concurrent refresh does not undo them. */
  private changeSeq = 0;
  private readonly localChanges = new Map<string, { seq: number; id: string; entry: CachedExperiment | null }>();
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<Evaluation[]> | undefined;
  private snapshot: { at: number; value: Promise<ExperimentSnapshot> } | undefined;

  constructor(deps: ExperimentServiceDeps, options: ExperimentServiceOptions = {}) {
    this.deps = deps;
    this.rows = new ExperimentStore(deps.store);
    this.cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.autoDecideIntervalMs = options.autoDecideIntervalMs ?? 30_000;
    this.exportTtlMs = options.exportTtlMs ?? 15_000;
    this.closedTotalsTtlMs = options.closedTotalsTtlMs ?? 60_000;
    if (deps.registry) registerExperimentGauges(deps.registry, () => this.exportSnapshot());
  }

  // ------------------------------------------------------------ lifecycle

  /** Loads the hasher and the running experiments; starts the autoDecide timer. */
  async start(): Promise<void> {
    this.hasher = await loadAssignmentHasher();
    await this.refresh();
    if (this.autoDecideIntervalMs > 0) {
      this.timer = setInterval(() => {
        const auto = [...this.cache.values()].some((c) => c.experiment.settings.autoDecide);
        if (!auto) return;
        if (this.evaluating) return; // the previous round is still running
        this.evaluating = this.evaluateRunning({ onlyAutoDecide: true })
          .catch((error: unknown) => {
            this.deps.logger.error({ err: error }, 'experiments: automatic evaluation failed');
            return [];
          })
          .finally(() => {
            this.evaluating = undefined;
          });
      }, this.autoDecideIntervalMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating?.catch(() => undefined);
  }

  private peers(): ExperimentPeers {
    return this.deps.peers() ?? {};
  }

  // ------------------------------------------------------------ cache of running experiments

  /** Re-reads the running experiments from the store (one at a time). */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const hasher = (this.hasher ??= await loadAssignmentHasher());
        const startSeq = this.changeSeq;
        const running = await this.rows.running();
        const next = new Map<string, CachedExperiment>();
        for (const e of running) {
          try {
            next.set(e.model, { experiment: e, router: createArmRouter(hasher, e.salt, e.allocation) });
          } catch (error) {
            this.deps.logger.error({ err: error, experiment: e.id }, 'experiments: stored allocation is invalid; not assigning');
          }
        }
        // Changes made here while the store was being read win over what it returned.
        for (const [model, change] of this.localChanges) {
          if (change.seq <= startSeq) this.localChanges.delete(model);
          else if (change.entry) next.set(model, change.entry);
          else if (next.get(model)?.experiment.id === change.id) next.delete(model);
        }
        this.cache = next;
        this.cacheAt = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private setCached(e: Experiment): void {
    this.snapshot = undefined; // the next scrape shows the change
    if (!this.hasher) return;
    const entry = e.status === 'running' ? { experiment: e, router: createArmRouter(this.hasher, e.salt, e.allocation) } : null;
    this.localChanges.set(e.model, { seq: ++this.changeSeq, id: e.id, entry });
    if (entry) this.cache.set(e.model, entry);
    else if (this.cache.get(e.model)?.experiment.id === e.id) this.cache.delete(e.model);
  }

  /**
   * The arm (and version) of a unit in the model's running experiment; undefined when none
   * runs. Deterministic in (salt, allocation, unitId); no unitId: a random arm by weight.
   */
  async assign(model: string, unitId?: string | null): Promise<Assignment | undefined> {
    if (this.cacheAt === -Infinity) await this.refresh();
    else if (Date.now() - this.cacheAt > this.cacheTtlMs && !this.loading) {
      this.refresh().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'experiments: cache refresh failed; using the last copy'));
    }
    const hit = this.cache.get(model);
    if (!hit) return undefined;
    const arm =
      unitId === undefined || unitId === null
        ? hit.router.armForBucket(Math.floor(Math.random() * BUCKET_COUNT))
        : hit.router.assign(String(unitId));
    const version = hit.experiment.arms.find((a) => a.name === arm)?.version;
    return version === undefined ? undefined : { experimentId: hit.experiment.id, arm, version };
  }

  /** Versions the running experiments serve (serving loads them at start). */
  async servingVersions(): Promise<Array<{ model: string; version: string }>> {
    const running = await this.rows.running();
    const out = new Map<string, { model: string; version: string }>();
    for (const e of running) for (const a of e.arms) out.set(`${e.model}\u0000${a.version}`, { model: e.model, version: a.version });
    return [...out.values()];
  }

  // ------------------------------------------------------------ create / read

  async create(input: CreateExperimentInput, actor: Actor): Promise<{ experiment: ExperimentView; notes: string[] }> {
    const model = await this.deps.models.get(input.model);
    const notes: string[] = [];
    const arms = this.validateArms(input.arms, 'arms');
    const metric = (name: unknown, field: string): string => {
      if (typeof name !== 'string' || !METRICS[name]) throw invalid(`${field}: unknown metric "${String(name)}"; one of ${Object.keys(METRICS).join(', ')}`);
      return name;
    };
    const primaryMetric = metric(input.primaryMetric, 'primaryMetric');
    const guardrails: GuardrailSpec[] = (input.guardrails ?? []).map((g, i) => {
      const def = METRICS[metric(g?.metric, `guardrails[${i}].metric`)]!;
      if (typeof g.margin !== 'number' || !Number.isFinite(g.margin) || g.margin < 0) {
        throw invalid(`guardrails[${i}].margin: must be a finite number ≥ 0 (the tolerated degradation), got ${String(g.margin)}`);
      }
      return { metric: def.name, direction: g.direction ?? def.direction, margin: g.margin, difference: g.difference ?? def.difference };
    });
    const metrics = (input.metrics ?? [...DEFAULT_SECONDARY_METRICS]).map((m, i) => metric(m, `metrics[${i}]`));
    const sequential = input.sequential ?? true;
    const alpha = input.alpha ?? 0.05;
    if (!(alpha > 0 && alpha < 0.5)) throw invalid(`alpha: must be in (0, 0.5), got ${alpha}`);
    const tuning = input.tuning ?? DEFAULT_SEQUENTIAL_TUNING;
    if (!(Number.isFinite(tuning) && tuning > 0)) throw invalid(`tuning: must be a positive number, got ${tuning}`);
    if (!sequential && input.minSampleSize === undefined) {
      throw invalid(
        'minSampleSize: required when sequential is false — a fixed-horizon test is read once, at its planned sample (units of the primary metric, all arms together)',
      );
    }
    const minSampleSize = input.minSampleSize ?? DEFAULT_SEQUENTIAL_MIN_SAMPLE;
    if (!Number.isInteger(minSampleSize) || minSampleSize < 1) throw invalid(`minSampleSize: must be a whole number ≥ 1, got ${minSampleSize}`);
    const maxSampleSize = input.maxSampleSize ?? null;
    if (maxSampleSize !== null) {
      if (!sequential) throw invalid('maxSampleSize: only for sequential experiments (a fixed-horizon test stops at minSampleSize)');
      if (!Number.isInteger(maxSampleSize) || maxSampleSize <= minSampleSize) {
        throw invalid(`maxSampleSize: must be a whole number above minSampleSize (${minSampleSize}), got ${maxSampleSize}`);
      }
    }
    const minimumEffect = input.minimumEffect ?? null;
    if (minimumEffect !== null && !(Number.isFinite(minimumEffect) && minimumEffect > 0)) {
      throw invalid(`minimumEffect: must be a positive number (primary metric effect units), got ${minimumEffect}`);
    }
    const salt = input.salt ?? randomBytes(8).toString('hex');
    if (typeof salt !== 'string' || salt.length === 0 || salt.length > 200) throw invalid('salt: 1 to 200 characters');

    await this.checkVersions(model.name, arms.map((a) => a.version), 'arms');
    const total = arms.reduce((s, a) => s + a.weight, 0);
    if (Math.abs(total - 1) > 1e-9) notes.push(`weights normalised to sum 1 (they summed to ${round(total)})`);
    const normalised: ExperimentArm[] = arms.map((a) => ({ ...a, weight: round(a.weight / total) }));
    const allocation = allocateBuckets(normalised);

    const existing = await this.rows.list({ model: model.name, status: 'running', limit: 1 });
    if (existing[0]) throw runningConflict(existing[0]);

    const now = this.deps.clock.now();
    const experiment: Experiment = {
      id: `exp_${randomBytes(8).toString('hex')}`,
      model: model.name,
      status: 'running',
      primaryMetric,
      arms: normalised,
      allocation,
      salt,
      settings: {
        guardrails,
        metrics,
        sequential,
        tuning,
        alpha,
        minSampleSize,
        maxSampleSize,
        minimumEffect,
        autoDecide: input.autoDecide ?? false,
      },
      weightHistory: [{ at: now, weights: normalised.map((a) => a.weight) }],
      description: input.description ?? null,
      createdBy: actor.name,
      startedAt: now,
      stoppedAt: null,
      stoppedBy: null,
      decision: null,
      stopReason: null,
      updatedAt: now,
    };
    try {
      await this.rows.insert(experiment, now);
    } catch (error) {
      // Lost a race with another replica: the partial unique index refused a second one.
      const again = await this.rows.list({ model: model.name, status: 'running', limit: 1 });
      if (again[0]) throw runningConflict(again[0]);
      throw error;
    }
    await this.deps.audit.record({
      type: 'experiment.created',
      model: model.name,
      actor,
      reason: input.description ?? `experiment ${experiment.id} started`,
      details: {
        experimentId: experiment.id,
        primaryMetric,
        arms: normalised,
        sequential,
        guardrails,
      },
    });
    this.setCached(experiment);
    this.warm(experiment);
    return { experiment: toView(experiment), notes };
  }

  private validateArms(arms: unknown, field: string): { name: string; version: string; weight: number }[] {
    if (!Array.isArray(arms) || arms.length < 2) throw invalid(`${field}: at least 2 arms (control first, then treatments), got ${Array.isArray(arms) ? arms.length : 'none'}`);
    const seen = new Set<string>();
    return arms.map((a: unknown, i: number) => {
      const arm = (a ?? {}) as Record<string, unknown>;
      const { name, version, weight } = arm;
      if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
        throw invalid(`${field}[${i}].name: 1 to 64 letters, digits, . _ or -, starting with a letter or digit`);
      }
      if (seen.has(name)) throw invalid(`${field}[${i}].name: "${name}" is used twice; arm names must be unique`);
      seen.add(name);
      if (typeof version !== 'string' || version.length === 0) throw invalid(`${field}[${i}].version: required`);
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
        throw invalid(`${field}[${i}].weight: must be a positive number (weights are normalised to sum 1), got ${String(weight)}`);
      }
      return { name, version, weight };
    });
  }

  private async checkVersions(model: string, versions: string[], field: string): Promise<void> {
    const registry = this.peers().registry;
    if (typeof registry?.findVersion !== 'function') return; // no registry in this build: trust the caller
    for (const [i, version] of versions.entries()) {
      const found = await registry.findVersion(model, version);
      if (!found) {
        throw invalid(`${field}[${i}].version: version "${version}" of model "${model}" is not registered; see GET /api/v1/models/${model}/versions`);
      }
      if (found.validation?.status === 'failed') {
        throw new DomainError('failed_precondition', `${field}[${i}].version: version "${version}" failed validation and never serves`);
      }
    }
  }

  private warm(e: Experiment): void {
    const serving = this.peers().serving;
    if (typeof serving?.ensureLoaded !== 'function') return;
    for (const version of new Set(e.arms.map((a) => a.version))) {
      serving.ensureLoaded(e.model, version).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, experiment: e.id, version }, 'experiments: an arm version could not be loaded; its units get the champion meanwhile'),
      );
    }
  }

  async get(id: string): Promise<ExperimentView> {
    return toView(await this.find(id));
  }

  private async find(id: string): Promise<Experiment> {
    const e = await this.rows.find(id);
    if (!e) throw notFound(`experiment "${id}" not found; see GET /api/v1/experiments`);
    return e;
  }

  async list(q: ExperimentQuery = {}): Promise<ExperimentView[]> {
    return (await this.rows.list(q)).map(toView);
  }

  // ------------------------------------------------------------ ramp

  /**
   * New weights (array in arm order, or {arm: weight}; arms not named keep theirs).
   * Reallocates with minimal moves; answers the share of units that changed arm.
   */
  async reweight(
    id: string,
    weights: number[] | Record<string, number>,
    actor: Actor,
    reason?: string,
  ): Promise<{ experiment: ExperimentView; movedFraction: number; notes: string[] }> {
    const e = await this.find(id);
    if (e.status !== 'running') throw conflict(`experiment "${id}" is ${e.status}; only a running experiment can be ramped`);
    let next: number[];
    if (Array.isArray(weights)) {
      if (weights.length !== e.arms.length) {
        throw invalid(`weights: one weight per arm (${e.arms.length}: ${e.arms.map((a) => a.name).join(', ')}), got ${weights.length}`);
      }
      next = weights.map((w, i) => checkWeight(w, `weights[${i}]`));
    } else if (weights && typeof weights === 'object') {
      const names = new Set(e.arms.map((a) => a.name));
      for (const name of Object.keys(weights)) if (!names.has(name)) throw invalid(`weights.${name}: no such arm (arms: ${[...names].join(', ')})`);
      next = e.arms.map((a) => (a.name in weights ? checkWeight(weights[a.name], `weights.${a.name}`) : a.weight));
    } else {
      throw invalid('weights: an array with one weight per arm, or an object {arm: weight}');
    }
    const total = next.reduce((s, w) => s + w, 0);
    if (!(total > 0)) throw invalid('weights: at least one arm needs a positive weight');
    const notes: string[] = [];
    if (Math.abs(total - 1) > 1e-9) notes.push(`weights normalised to sum 1 (they summed to ${round(total)})`);
    const arms = e.arms.map((a, i) => ({ ...a, weight: round(next[i]! / total) }));
    const allocation = allocateBuckets(arms, e.allocation);
    const moved = movedFraction(e.allocation, allocation);
    const now = this.deps.clock.now();
    const previous = e.arms.map((a) => a.weight);
    const updated: Experiment = { ...e, arms, allocation, weightHistory: [...e.weightHistory, { at: now, weights: arms.map((a) => a.weight) }], updatedAt: now };
    if (!(await this.rows.saveAllocation(updated))) throw conflict(`experiment "${id}" was stopped meanwhile`);
    await this.deps.audit.record({
      type: 'experiment.reweighted',
      model: e.model,
      actor,
      reason: reason ?? `experiment ${id}: weights changed`,
      details: { experimentId: id, from: weightMap(e.arms, previous), to: weightMap(arms), movedFraction: moved },
    });
    this.setCached(updated);
    this.warm(updated);
    notes.push(`${round(moved * 100)}% of units changed arm (the minimum for this change)`);
    return { experiment: toView(updated), movedFraction: moved, notes };
  }

  // ------------------------------------------------------------ results

  async results(id: string): Promise<ExperimentResults> {
    return this.resultsOf(await this.find(id));
  }

  private async resultsOf(e: Experiment): Promise<ExperimentResults> {
    const monitor = this.peers().monitor;
    if (typeof monitor?.totals !== 'function') {
      throw new DomainError('unavailable', 'experiment results need the monitoring service, which this build lacks');
    }
    const now = this.deps.clock.now();
    const end = e.stoppedAt ?? now;
    const from = e.startedAt;
    const to = Math.max(from, end);
    // Hours before the previous one are "closed": their totals are cached (closedTotalsTtlMs).
    const closedBefore = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
    // One totals read per split (boundaries on whole minutes, as rollups are), so each
    // request is expected under the weights in force when it was served.
    const periods = splitPeriods(e, from, to);
    const counts = e.arms.map(() => emptyCounts());
    const expected = e.arms.map(() => 0);
    const expectedImpressions = e.arms.map(() => 0);
    for (const p of periods) {
      const byKey = await this.totalsOf(monitor as MonitorLike, e.model, p.from, p.to, closedBefore);
      let requests = 0;
      let impressions = 0;
      e.arms.forEach((arm, i) => {
        const c = byKey.get(seriesKey(arm.version, arm.name));
        if (!c) return;
        addCounts(counts[i]!, c);
        requests += c.requests;
        impressions += c.impressions;
      });
      p.weights.forEach((w, i) => {
        expected[i] = expected[i]! + w * requests;
        expectedImpressions[i] = expectedImpressions[i]! + w * impressions;
      });
    }
    const notes: string[] = [];
    if (periods.length > 1) {
      notes.push(
        `the split changed ${periods.length - 1} time(s); SRM expects each period's weights, effects pool all periods (if the metric drifts over time, compare within a period)`,
      );
    }
    return computeResults({ experiment: e, counts, expectedRequests: expected, expectedImpressions, window: { from, to }, notes });
  }

  /**
   * Counters per (version, arm) over [from, to): the part before `closedBefore` from a cache
   * (read again after closedTotalsTtlMs of wall time, so late outcomes for old hours show up
   * within that time), the rest fresh from ctx.monitor.totals. Reading 30 days of rollups
   * (sketches included) is the expensive part of the results; the open hours are cheap.
   */
  private async totalsOf(monitor: MonitorLike, model: string, from: number, to: number, closedBefore: number): Promise<Map<string, ArmCounts>> {
    const read = async (a: number, b: number) => {
      const out = new Map<string, ArmCounts>();
      for (const row of await monitor.totals(model, { from: a, to: b })) out.set(seriesKey(row.version, row.arm), countsOf(row));
      return out;
    };
    const split = Math.min(to, Math.max(from, closedBefore));
    if (this.closedTotalsTtlMs <= 0 || split - from < HOUR_MS) return read(from, to);
    const key = `${model}\u0000${from}\u0000${split}`;
    const wall = Date.now();
    let hit = this.closedTotals.get(key);
    if (!hit || wall - hit.at > this.closedTotalsTtlMs) {
      hit = { at: wall, value: read(from, split) };
      hit.value.catch(() => this.closedTotals.delete(key));
      this.closedTotals.delete(key);
      this.closedTotals.set(key, hit);
      while (this.closedTotals.size > CLOSED_TOTALS_ENTRIES) this.closedTotals.delete(this.closedTotals.keys().next().value!);
    }
    const closed = await hit.value;
    if (split >= to) return closed;
    const merged = new Map<string, ArmCounts>();
    for (const [k, c] of closed) merged.set(k, addCounts(emptyCounts(), c));
    for (const [k, c] of await read(split, to)) {
      const m = merged.get(k);
      if (m) addCounts(m, c);
      else merged.set(k, c);
    }
    return merged;
  }

  // ------------------------------------------------------------ stop

  async stop(id: string, input: StopInput, actor: Actor, idempotencyKey?: string): Promise<StopResult> {
    const decision = input?.decision;
    if (decision !== 'promote' && decision !== 'rollback' && decision !== 'none') {
      throw invalid(`decision: one of promote, rollback, none; got ${String(decision)}`);
    }
    if (decision !== 'none' && !roleAllows(actor.role, 'admin')) {
      throw new DomainError(
        'permission_denied',
        `decision "${decision}" changes the champion and needs the "admin" permission; stop with decision "none" and ask an admin to ${decision}`,
      );
    }
    const e = await this.find(id);
    const actions = this.peers().actions;
    if (e.status !== 'running' && !idempotencyKey) throw conflict(`experiment "${id}" is already stopped (decision ${e.decision ?? 'none'})`);

    const notes: string[] = [];
    let results: ExperimentResults | null = null;
    let championChange: ActionLike | null = null;
    const work = async () => {
      const current = await this.find(id);
      if (current.status !== 'running') throw conflict(`experiment "${id}" is already stopped (decision ${current.decision ?? 'none'})`);
      try {
        results = await this.resultsOf(current);
      } catch (error) {
        notes.push(`results at stop could not be computed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const rec = results as ExperimentResults | null;
      const reason = input.reason?.trim() || `experiment ${id}: stopped with decision ${decision}${rec ? `; recommendation was ${describeRecommendation(rec)}` : ''}`;
      const actionReason = reason.startsWith(`experiment ${id}`) ? reason : `experiment ${id}: ${reason}`;
      let fromVersion: string | null = null;
      let toVersion: string | null = null;
      const champion = (await this.peers().registry?.aliases?.(current.model))?.champion;
      if (decision === 'promote') {
        const armName = input.arm ?? rec?.decision.winner?.arm ?? (current.arms.length === 2 ? current.arms[1]!.name : undefined);
        if (armName === undefined) throw invalid('arm: say which arm to promote (no winner is recommended and there are several treatments)');
        const arm = current.arms.find((a) => a.name === armName);
        if (!arm) throw invalid(`arm: no arm "${armName}" in experiment ${id} (arms: ${current.arms.map((a) => a.name).join(', ')})`);
        if (rec && rec.decision.recommendation !== 'promote') notes.push(`promoted against the recommendation (${rec.decision.recommendation})`);
        if (arm.version === champion) notes.push(`version ${arm.version} is already the champion; nothing to promote`);
        else {
          if (typeof actions?.promote !== 'function') throw new DomainError('unavailable', 'promotion needs the action service, which this build lacks');
          championChange = (await actions.promote(current.model, { version: arm.version, reason: actionReason }, actor)).action;
          fromVersion = champion ?? null;
          toVersion = arm.version;
        }
      } else if (decision === 'rollback') {
        const control = current.arms[0]!.version;
        if (champion === undefined) notes.push(`model "${current.model}" has no champion; nothing to roll back`);
        else if (champion === control) notes.push(`the control's version ${control} is still the champion; nothing to roll back`);
        else {
          if (typeof actions?.rollback !== 'function') throw new DomainError('unavailable', 'rollback needs the action service, which this build lacks');
          championChange = (await actions.rollback(current.model, { toVersion: control, reason: actionReason }, actor)).action;
          fromVersion = champion;
          toVersion = control;
        }
      }
      const now = this.deps.clock.now();
      const stopped: Experiment = { ...current, status: 'stopped', stoppedAt: now, stoppedBy: actor.name, decision, stopReason: reason, updatedAt: now };
      if (!(await this.rows.markStopped(stopped, results))) throw conflict(`experiment "${id}" was stopped meanwhile`);
      this.setCached(stopped);
      return {
        fromVersion,
        toVersion,
        details: {
          experimentId: id,
          decision,
          recommendation: rec?.decision.recommendation ?? null,
          winner: rec?.decision.winner ?? null,
          championChangeActionId: (championChange as ActionLike | null)?.id ?? null,
          notes,
        },
      };
    };

    const reason = input.reason?.trim() || `experiment ${id}: stop (${decision})`;
    let action: ActionLike | null = null;
    let replayed = false;
    if (typeof actions?.run === 'function') {
      const reply = await actions.run('stop_experiment', e.model, actor, reason, idempotencyKey, work);
      action = reply.action;
      replayed = reply.replayed ?? false;
    } else {
      const outcome = await work();
      await this.deps.audit.record({ type: 'stop_experiment', model: e.model, actor, reason, fromVersion: outcome.fromVersion, toVersion: outcome.toVersion, details: outcome.details });
    }
    const after = await this.find(id);
    const rec = results as ExperimentResults | null;
    return {
      experiment: toView(after),
      action,
      recommendation: rec?.decision.recommendation ?? null,
      championChange,
      notes,
      replayed,
    };
  }

  // ------------------------------------------------------------ periodic evaluation

  /**
   * Recommendations for the running experiments. With autoDecide on an experiment (and
   * `act` not false), a promote/rollback recommendation stops it with that decision, as the
   * system, reason "experiment <id>: ...". Nothing else is ever acted on.
   */
  async evaluateRunning(options: { act?: boolean; onlyAutoDecide?: boolean } = {}): Promise<Evaluation[]> {
    // Concurrent rounds are safe: a stop is guarded by the store (running → stopped once)
    // and by its idempotency key.
    const out: Evaluation[] = [];
    for (const e of await this.rows.running()) {
      if (options.onlyAutoDecide && !e.settings.autoDecide) continue;
      const base = { experimentId: e.id, model: e.model, autoDecide: e.settings.autoDecide };
      try {
        const r = await this.resultsOf(e);
        const rec = r.decision.recommendation;
        let acted: Evaluation['acted'] = null;
        if (e.settings.autoDecide && options.act !== false && (rec === 'promote' || rec === 'rollback')) {
          const stopped = await this.stop(
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

  // ------------------------------------------------------------ Prometheus

  private exportSnapshot(): Promise<ExperimentSnapshot> {
    const now = Date.now();
    if (this.snapshot && now - this.snapshot.at < this.exportTtlMs) return this.snapshot.value;
    const value = this.computeSnapshot().catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'experiments: metrics snapshot failed');
      this.snapshot = undefined;
      return { experiments: [] } as ExperimentSnapshot;
    });
    this.snapshot = { at: now, value };
    return value;
  }

  private async computeSnapshot(): Promise<ExperimentSnapshot> {
    const running = (await this.rows.running()).slice(0, EXPORT_LIMIT);
    const experiments: ExperimentSnapshot['experiments'] = [];
    for (const e of running) {
      try {
        experiments.push({ id: e.id, model: e.model, results: await this.resultsOf(e) });
      } catch (error) {
        this.deps.logger.warn({ err: error, experiment: e.id }, 'experiments: results for the metrics export failed');
      }
    }
    return { experiments };
  }
}

function checkWeight(w: unknown, field: string): number {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw invalid(`${field}: must be a finite number ≥ 0, got ${String(w)}`);
  return w;
}

function runningConflict(e: Experiment): DomainError {
  return conflict(`model "${e.model}" already has a running experiment (${e.id}); stop it first (POST /api/v1/experiments/${e.id}/stop)`);
}

const weightMap = (arms: readonly ExperimentArm[], weights?: readonly number[]): Record<string, number> =>
  Object.fromEntries(arms.map((a, i) => [a.name, weights?.[i] ?? a.weight]));

/** The weight periods inside [from, to), on whole minutes (rollup buckets). */
export function splitPeriods(e: Experiment, from: number, to: number): { from: number; to: number; weights: number[] }[] {
  const history = e.weightHistory.length ? e.weightHistory : [{ at: e.startedAt, weights: e.arms.map((a) => a.weight) }];
  const out: { from: number; to: number; weights: number[] }[] = [];
  for (let i = 0; i < history.length; i++) {
    const start = i === 0 ? from : Math.floor(history[i]!.at / MINUTE_MS) * MINUTE_MS;
    const end = i + 1 < history.length ? Math.floor(history[i + 1]!.at / MINUTE_MS) * MINUTE_MS : to;
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b > a) out.push({ from: a, to: b, weights: history[i]!.weights });
  }
  if (out.length === 0) {
    // An empty window: the split in force at its start.
    const current = [...history].reverse().find((p, i) => i === history.length - 1 || p.at <= from) ?? history[0]!;
    out.push({ from, to: Math.max(from, to), weights: current.weights });
  }
  return out;
}

/** ArmCounts of one totals row (latency Σx² from its sketch). */
export function countsOf(row: TotalsRow): ArmCounts {
  const latencyCount = row.latencyCount ?? 0;
  const latencySum = row.latencySum ?? 0;
  const scoreCount = row.scoreCount ?? 0;
  const scoreSum = row.scoreSum ?? 0;
  return {
    requests: row.requests,
    errors: row.errors,
    impressions: row.impressions,
    clicks: row.clicks,
    conversions: row.conversions,
    labelled: row.labelled,
    positives: row.positives,
    scoreCount,
    scoreSum,
    // Float sums can land a hair below Σ²/n for constant scores.
    scoreSumSq: scoreCount > 0 ? Math.max(row.scoreSumSq ?? 0, (scoreSum * scoreSum) / scoreCount) : 0,
    latencyCount,
    latencySum,
    latencySumSq: latencySumSquares(row.latency, latencyCount, latencySum),
  };
}

export function toView(e: Experiment): ExperimentView {
  const s = e.settings;
  return {
    id: e.id,
    model: e.model,
    status: e.status,
    primaryMetric: e.primaryMetric,
    arms: e.arms,
    guardrails: s.guardrails,
    metrics: s.metrics,
    sequential: s.sequential,
    tuning: s.sequential ? s.tuning : null,
    alpha: s.alpha,
    minSampleSize: s.minSampleSize,
    maxSampleSize: s.maxSampleSize,
    minimumEffect: s.minimumEffect,
    autoDecide: s.autoDecide,
    salt: e.salt,
    allocation: allocationView(e.allocation),
    weightHistory: e.weightHistory.map((p) => ({ at: new Date(p.at).toISOString(), weights: weightMap(e.arms, p.weights) })),
    description: e.description,
    createdBy: e.createdBy,
    startedAt: new Date(e.startedAt).toISOString(),
    stoppedAt: e.stoppedAt === null ? null : new Date(e.stoppedAt).toISOString(),
    stoppedBy: e.stoppedBy,
    decision: e.decision,
    stopReason: e.stopReason,
  };
}

function allocationView(a: Allocation): ExperimentView['allocation'] {
  return {
    buckets: BUCKET_COUNT,
    arms: a.arms.map((arm) => ({ name: arm.name, buckets: arm.ranges.reduce((s, r) => s + r.end - r.start, 0), ranges: arm.ranges })),
  };
}
