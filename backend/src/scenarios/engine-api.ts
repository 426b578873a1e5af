/**
 * The scenario engine's public contract (docs/scenarios.md, "Engine"). A scenario runs the real
 * service in-process (compose/server.ts createSteppedContext: no timers) on a virtual clock that the
 * engine advances one minute at a time. Each virtual minute, in this fixed order:
 *
 *   1. the clock is set to `startAt + minute · 1 min`; injections and operations due at this
 *      minute are applied (in the order the spec lists them), then `hooks.onMinute` runs;
 *   2. traffic: the minute's visits (units drawn from a fixed population, each with its own
 *      click propensity) are scored through the serving domain (ServingService.predict), the
 *      best-scored candidate is shown, the world draws the reaction; outcomes are ingested
 *      now or, under a label delay, at the minute they become due;
 *   3. at :59 of the minute the service's loops run once each, awaited: prediction log flush →
 *      monitor flush → alias sync → promotion-ramp steps due → auto-decide → job worker (a
 *      retrain is trained by the built-in trainer inside this step) → shadow releases due
 *      (jobs/retrain-shadow.ts: a retrain's shadow judged, then its canary) → alias sync;
 *   4. the shipped alert rules (provisioning/prometheus/rules) are evaluated on the service's
 *      own metrics exposition, `for:` counted in virtual time; firing and resolved alerts are
 *      delivered to the alert domain (the webhook route's handler) as Alertmanager would, with
 *      a `webhook` credential, and each further action runs in the same minute (step 3 again);
 *   5. what the service did (audit log, experiments, jobs, aliases) becomes timeline events, and
 *      the minute's KPIs per version are recorded.
 *
 * Nothing on this path decides by wall time: the same spec and seed give the same timeline and
 * figures on any machine, as fast as the CPU runs them (`serializeResult` is byte-stable).
 * Known limits (docs/scenarios.md): a failed job's retry waits for a wall-clock backoff, and a
 * promotion ramp (`canary` operation) hashes units with its random action id.
 * Names in the timeline are stable too: experiments, jobs and alert fingerprints are
 * `experiment#1`, `job#1`, `alert#1`, … in the order they appear, never their random ids.
 */
import type { AlertRule } from './rule-evaluator.ts';
import type { WorldState } from './world.ts';

export type { WorldState } from './world.ts';

export const MINUTE_MS = 60_000;
/** Default virtual start: Monday 2026-11-23 08:00 UTC (a readable simulated morning). */
export const DEFAULT_START_MS = Date.UTC(2026, 10, 23, 8, 0, 0);

// ---------------------------------------------------------------------------------------------
// Describing a scenario
// ---------------------------------------------------------------------------------------------

export interface ScenarioSpec {
  /** Short name (file names, report rows). */
  name: string;
  /** Seeds the world (items, units, visits, reactions, injected faults) and the trainer. */
  seed: number;
  /** Virtual minutes to run (the run also ends early when `hooks.onMinute` calls `finish`). */
  horizonMinutes: number;
  /** Virtual epoch ms of minute 0 (default DEFAULT_START_MS). */
  startAt?: number;
  /** The world at minute 0, training data of the initial versions included (default: world.ts baseWorld). */
  world?: Partial<WorldState>;
  model: ModelSpec;
  /** Versions trained and registered before minute 0; the first with `champion: true` is promoted. */
  versions: VersionSpec[];
  traffic: TrafficSpec;
  /** Changes of the simulated world at given minutes. */
  injections?: Injection[];
  /** What a person does at given minutes (register, promote, start an experiment or canary ramp). */
  operations?: Operation[];
  alerts?: AlertSpec;
}

export interface ModelSpec {
  /** Default "shop-ctr". */
  name?: string;
  description?: string;
  /**
   * Model settings as POST /api/v1/models takes them (docs/api.md). Merged over the engine's
   * defaults: retrain on the last 20 m of `click` labels with a 50 % autoDecide CTR canary on
   * success, CTR health with minBaselineImpressions 2000, drift window 15 m.
   */
  settings?: Record<string, unknown>;
  /** Replace the defaults instead of merging over them. */
  replaceDefaultSettings?: boolean;
}

export interface VersionSpec {
  version: string;
  description?: string;
  /** Promote this version at minute 0 (the initial champion). */
  champion?: boolean;
  /** Register the same artifact and reference as this earlier version (its exact copy; `training` is then ignored). */
  copyOf?: string;
  training: TrainingSpec;
}

/**
 * A version trained by the built-in trainer (GBDT, fixed seed) on logged exploration traffic of
 * the world: a random candidate shown per visit, so clicks are unbiased labels.
 */
export interface TrainingSpec {
  /** Exploration impressions to train on (default 60,000). */
  rows?: number;
  /** The world the training data comes from (default: the world as it is at registration). */
  world?: Partial<WorldState>;
  /** Train on shuffled labels: a version that is worse than random ordering. */
  shuffleLabels?: boolean;
  /** Trainer seed (default 1). */
  seed?: number;
  /** GBDT parameters (default maxIterations 80, maxLeaves 31, learningRate 0.1). */
  params?: Record<string, number>;
}

export interface TrafficSpec {
  /** Visits per virtual minute (each visit is one recommendation shown to one unit). */
  visitsPerMinute: number;
  /** Distinct units (users); visits draw a unit uniformly, so each unit has many events. */
  units: number;
  /** Candidates scored per visit (the best-scored one is shown; default 8). */
  candidates?: number;
  /** SD of each unit's own click propensity, a logit offset drawn once per unit (default 0.5). */
  propensitySd?: number;
  /** Minutes from impression to its outcome (click label) reaching the service (default 0). */
  labelDelayMinutes?: number;
}

/** A change of the simulated world. `at` and `until` are virtual minutes; `until` exclusive (default: to the end). */
export type Injection =
  /** The world changes (prices, a new price-sensitive market, a benign feature shift). */
  | { kind: 'drift'; at: number; world: Partial<WorldState> }
  /** Impressions served by `version` get their click probability multiplied by `factor` (1.1: +10 % CTR). */
  | { kind: 'ctr'; at: number; until?: number; version: string; factor: number }
  /** Served latency of `version` rises by `addMs` on a share of its requests (default all). */
  | { kind: 'latency'; at: number; until?: number; version: string; addMs: number; share?: number }
  /** A share of `version`'s predictions fail (logged with an error, no score; the unit sees no recommendation). */
  | { kind: 'errors'; at: number; until?: number; version: string; rate: number }
  /** A share of the units routed to experiment arm `arm` is lost: their events never reach the service (sample-ratio mismatch). */
  | { kind: 'unit-loss'; at: number; until?: number; arm: string; share: number }
  /** Outcomes of impressions in the window reach the service `minutes` later. */
  | { kind: 'label-delay'; at: number; until?: number; minutes: number }
  /** Visits per minute from `at` on. */
  | { kind: 'traffic'; at: number; visitsPerMinute: number };

/** What a person (admin credential) does at a minute, through the same domain calls as the routes. */
export type Operation =
  | { kind: 'register'; at: number; version: VersionSpec }
  | { kind: 'promote'; at: number; version: string; reason?: string }
  /**
   * Starts an experiment: the body of POST /api/v1/experiments without `model`; an arm's
   * version "$champion" is the champion at that minute.
   */
  | { kind: 'experiment'; at: number; experiment: Record<string, unknown> & { arms: Array<{ name: string; version: string; weight?: number }> } }
  /** A guarded promotion ramp (POST /actions/promote with strategy canary). */
  | { kind: 'canary'; at: number; version: string; steps?: number[]; stepMinutes?: number; reason?: string }
  /** Stops every running experiment of the model with decision "none". */
  | { kind: 'stop-experiments'; at: number; reason: string };

export interface AlertSpec {
  /** The rules evaluated each minute (default: the shipped provisioning/prometheus/rules/*.yml). */
  rules?: AlertRule[];
  /** false: evaluate and record alerts without delivering them (default true). */
  deliver?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Starting a run
// ---------------------------------------------------------------------------------------------

export interface RunOptions {
  /** Where the service keeps its store and artifacts (default: a fresh temporary folder, on /dev/shm where writable, removed after). */
  dataDir?: string;
  /** Run on PostgreSQL instead of the embedded SQLite store. */
  databaseUrl?: string;
  /** Service log level (default "warn"). */
  logLevel?: string;
  /** Extra MODELWATCH_* settings for the service's configuration. */
  env?: Record<string, string>;
  hooks?: ScenarioHooks;
}

export interface ScenarioHooks {
  /**
   * Called at the start of each minute, after that minute's injections and operations and before
   * its traffic. `state` is what the engine knows so far; `control` changes the run. Must itself
   * be deterministic (it may read `state`, never the wall clock).
   */
  onMinute?(state: EngineView, control: EngineControl): Promise<void> | void;
  /** Called after each minute with what the minute recorded (the demo's live view). */
  afterMinute?(state: EngineView, minute: MinuteRecord): void;
}

/** Read-only view of a run in progress. */
export interface EngineView {
  readonly spec: ScenarioSpec;
  readonly minute: number;
  /** Virtual epoch ms of `minute`. */
  readonly now: number;
  readonly model: string;
  readonly champion: string | null;
  readonly timeline: readonly TimelineEvent[];
  readonly minutes: readonly MinuteRecord[];
  /** Running experiments by their stable name (`experiment#1`). */
  readonly runningExperiments: readonly ExperimentView[];
  /** Retrain (and other) jobs queued or running. */
  readonly activeJobs: number;
}

/** One member of a union without its `at` (a hook acts at the current minute). */
export type Now<T> = T extends unknown ? Omit<T, 'at'> : never;

/** Changes a hook may make to the run; each takes effect at once, in this minute. */
export interface EngineControl {
  inject(injection: Now<Injection>): void;
  operate(operation: Now<Operation>): Promise<void>;
  /** Adds a `note` event (an act boundary, a narration). */
  note(message: string, act?: number): void;
  /** Ends the run after this minute. */
  finish(): void;
}

/** Runs one scenario to its horizon (or to `finish`). */
export type RunScenario = (spec: ScenarioSpec, options?: RunOptions) => Promise<ScenarioResult>;

// ---------------------------------------------------------------------------------------------
// What a run returns
// ---------------------------------------------------------------------------------------------

export interface ScenarioResult {
  name: string;
  seed: number;
  /** Virtual minutes run. */
  minutesRun: number;
  /** Every event, in the order it happened (minute, then step). */
  timeline: TimelineEvent[];
  /** One record per virtual minute. */
  minutes: MinuteRecord[];
  final: FinalState;
  /** Wall-clock ms the run took; NOT part of `serializeResult` (it differs between machines). */
  wallMs: number;
}

interface EventBase {
  minute: number;
  /** Virtual epoch ms. */
  ts: number;
  /** The act a hook set with `note(…, act)` (the demo's acts); 1 by default. */
  act: number;
}

export type TimelineEvent = EventBase &
  (
    | { kind: 'injection'; injection: Injection }
    | { kind: 'operation'; operation: string; version?: string; experiment?: string }
    | { kind: 'note'; message: string }
    /** An alert rule changed state; `result` is what the alert domain decided for it. */
    | {
        kind: 'alert';
        status: 'firing' | 'resolved';
        alertname: string;
        labels: Record<string, string>;
        result: { action: string; outcome: string; reason: string | null } | null;
      }
    /** An action the service took or refused (retrain, rollback, stop_experiment, promote), with its target. */
    | { kind: 'action'; action: string; status: string; actor: string; target: string | null; reason: string | null }
    | { kind: 'experiment'; change: 'started' | 'stopped'; experiment: string; arms: Array<{ name: string; version: string }>; decision: string | null; reason: string | null; actor: string }
    | { kind: 'promotion'; from: string | null; to: string; actor: string; reason: string | null }
    | { kind: 'rollback'; from: string | null; to: string | null; actor: string; reason: string | null }
    | { kind: 'job'; job: string; state: string; version: string | null; message: string | null }
    /** A version registered; `validation` as the registry recorded it (a retrain's failed gate: "failed"). */
    | { kind: 'version'; version: string; validation: string | null; by: string }
  );

/** Ground-truth KPIs of one version in one minute, as the simulated world saw them. */
export interface VersionKpis {
  visits: number;
  impressions: number;
  clicks: number;
  conversions: number;
  errors: number;
  /** Units of this version whose events were lost (unit-loss injection). */
  lostVisits: number;
  ctr: number | null;
  /** Σ of the shown items' true click probabilities: the clicks expected, without the draw's noise. */
  expectedClicks: number;
  /** expectedClicks / impressions: the world's true CTR of what was shown. */
  expectedCtr: number | null;
  cvr: number | null;
  /** p99 of the simulated latency of the version's requests this minute (ms). */
  p99Ms: number | null;
}

export interface MinuteRecord {
  minute: number;
  ts: number;
  act: number;
  champion: string | null;
  /** Ground truth per version that served this minute. */
  versions: Record<string, VersionKpis>;
  /** All traffic of the minute together. */
  total: VersionKpis;
  /** Selected service gauges at the end of the minute (e.g. modelwatch_dataset_drift_share of the champion). */
  gauges: {
    driftShare: number | null;
    /** modelwatch_quality{kpi="auc"} of the champion: the last hour's AUC of its scores against the labels. */
    championAuc: number | null;
  };
}

export interface ExperimentView {
  experiment: string;
  status: string;
  arms: Array<{ name: string; version: string; weight: number }>;
  decision: string | null;
  startedMinute: number;
  stoppedMinute: number | null;
}

export interface FinalState {
  champion: string | null;
  challenger: string | null;
  /** Versions that received traffic in the last minute, sorted. */
  serving: string[];
  experiments: ExperimentView[];
  /** Registered versions, in registration order. */
  versions: string[];
}

/**
 * Implemented by `./engine.ts`: `runScenario(spec, options)` (a RunScenario) and
 * `serializeResult(result)`, the byte-stable JSON of a result without `wallMs` (the
 * determinism test compares two runs with it).
 */
export type SerializeResult = (result: ScenarioResult) => string;
