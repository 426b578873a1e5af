/**
 * Model health (`GET /models/{model}/health`): the product brief's rule as the default
 * policy, evaluated over rollups.
 *
 * Conditions, each judged per one-minute window (windowMs):
 * - ctr: CTR more than 15% below its baseline, i.e. ctr < baseline × (1 − maxRelativeDrop).
 *   Baseline = CTR over the baselineWindowMs (24 h) just before the evaluated span (so the
 *   drop being judged does not pull its own baseline down), needing minBaselineImpressions;
 *   or a fixed `baseline` from the config. Without one the check is `no_baseline`.
 * - latency_p99: p99 latency (ms, from the merged sketch) above thresholdMs (500).
 * - error_rate: errors / requests above threshold (5%).
 * A window has data for a condition when it holds at least the minimum impressions /
 * latencies / requests (≥ 1). Windows without data are not violations.
 *
 * Evaluated span: the sustainMs / windowMs (30) whole windows ending at
 * floor((now − lagMs) / windowMs) × windowMs; the minute in progress is not judged. Pass
 * the accumulator's open rollups (Accumulator.snapshot()) along with stored ones, or set
 * lagMs to the flush delay, so the last minute is not judged before its data is in.
 * Rollups wider than windowMs count for the baseline only.
 *
 * - sustained: every window of the span violates (so any window without data, or a gap,
 *   breaks it) → status `failing`.
 * - active: the latest window with data violates, not sustained → status `degraded`.
 * - otherwise `ok`. Reasons list the active and sustained conditions; `since` is the start
 *   of the current run of violating windows within the span (for a sustained condition:
 *   the span's start, i.e. at least sustainMs ago).
 * - score = 1 − max over enabled conditions of (violating windows / windows in the span):
 *   1 with no violation in the last 30 minutes, 0 exactly when a condition is sustained,
 *   in between the share of the last 30 minutes the worst condition spent violating.
 */
import { addToTotals, emptyTotals, type KpiTotals } from './kpi.ts';
import type { Rollup } from './rollup.ts';
import { invalid } from '../core/errors.ts';
import { maxOf } from '../core/arrays.ts';

export interface CtrRule {
  enabled: boolean;
  /** Violation when CTR is more than this fraction below its baseline (0.15 = 15%). */
  maxRelativeDrop: number;
  baselineWindowMs: number;
  minBaselineImpressions: number;
  minWindowImpressions: number;
  /** Fixed baseline CTR instead of the measured one. */
  baseline: number | null;
}

export interface LatencyRule {
  enabled: boolean;
  thresholdMs: number;
  minWindowRequests: number;
}

export interface ErrorRateRule {
  enabled: boolean;
  threshold: number;
  minWindowRequests: number;
}

export interface HealthConfig {
  windowMs: number;
  sustainMs: number;
  lagMs: number;
  ctr: CtrRule;
  latencyP99: LatencyRule;
  errorRate: ErrorRateRule;
}

export interface HealthConfigInput {
  windowMs?: number;
  sustainMs?: number;
  lagMs?: number;
  ctr?: Partial<CtrRule>;
  latencyP99?: Partial<LatencyRule>;
  errorRate?: Partial<ErrorRateRule>;
}

export const DEFAULT_HEALTH_CONFIG: Readonly<HealthConfig> = Object.freeze({
  windowMs: 60_000,
  sustainMs: 30 * 60_000,
  lagMs: 0,
  ctr: {
    enabled: true,
    maxRelativeDrop: 0.15,
    baselineWindowMs: 24 * 3_600_000,
    minBaselineImpressions: 1000,
    minWindowImpressions: 1,
    baseline: null,
  },
  latencyP99: { enabled: true, thresholdMs: 500, minWindowRequests: 1 },
  errorRate: { enabled: true, threshold: 0.05, minWindowRequests: 1 },
});

/** Defaults filled in and values checked; a bad value throws invalid_argument naming it. */
export function resolveHealthConfig(input: HealthConfigInput = {}): HealthConfig {
  const d = DEFAULT_HEALTH_CONFIG;
  const c: HealthConfig = {
    windowMs: input.windowMs ?? d.windowMs,
    sustainMs: input.sustainMs ?? d.sustainMs,
    lagMs: input.lagMs ?? d.lagMs,
    ctr: { ...d.ctr, ...defined(input.ctr) },
    latencyP99: { ...d.latencyP99, ...defined(input.latencyP99) },
    errorRate: { ...d.errorRate, ...defined(input.errorRate) },
  };
  wholeMs('windowMs', c.windowMs, 1);
  wholeMs('sustainMs', c.sustainMs, c.windowMs);
  if (c.sustainMs % c.windowMs !== 0) throw invalid(`health.sustainMs (${c.sustainMs}) must be a multiple of windowMs (${c.windowMs})`);
  if (c.sustainMs / c.windowMs > 10_000) throw invalid('health.sustainMs spans more than 10000 windows');
  wholeMs('lagMs', c.lagMs, 0);
  wholeMs('ctr.baselineWindowMs', c.ctr.baselineWindowMs, c.windowMs);
  fraction('ctr.maxRelativeDrop', c.ctr.maxRelativeDrop);
  count('ctr.minBaselineImpressions', c.ctr.minBaselineImpressions);
  count('ctr.minWindowImpressions', c.ctr.minWindowImpressions);
  if (c.ctr.baseline !== null) fraction('ctr.baseline', c.ctr.baseline);
  if (!(c.latencyP99.thresholdMs > 0 && Number.isFinite(c.latencyP99.thresholdMs))) {
    throw invalid(`health.latencyP99.thresholdMs must be a positive number, got ${c.latencyP99.thresholdMs}`);
  }
  count('latencyP99.minWindowRequests', c.latencyP99.minWindowRequests);
  fraction('errorRate.threshold', c.errorRate.threshold);
  count('errorRate.minWindowRequests', c.errorRate.minWindowRequests);
  for (const k of ['ctr', 'latencyP99', 'errorRate'] as const) {
    if (typeof c[k].enabled !== 'boolean') throw invalid(`health.${k}.enabled must be true or false`);
  }
  return c;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function wholeMs(name: string, v: number, min: number): void {
  if (!(Number.isSafeInteger(v) && v >= min)) throw invalid(`health.${name} must be a whole number of ms ≥ ${min}, got ${v}`);
}

function fraction(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw invalid(`health.${name} must be in [0, 1], got ${v}`);
}

function count(name: string, v: number): void {
  if (!(Number.isSafeInteger(v) && v >= 0)) throw invalid(`health.${name} must be a whole number ≥ 0, got ${v}`);
}

export type HealthStatus = 'ok' | 'degraded' | 'failing';
export type HealthKpi = 'ctr' | 'latency_p99' | 'error_rate';

export interface HealthReason {
  kpi: HealthKpi;
  condition: 'ctr_drop' | 'latency_p99_high' | 'error_rate_high';
  severity: 'degraded' | 'failing';
  message: string;
  /** The KPI in the latest window with data. */
  value: number;
  /** The limit `value` is compared with (ctr: baseline × (1 − maxRelativeDrop)). */
  threshold: number;
  /** RFC 3339 start of the current run of violating windows. */
  since: string;
  sinceMs: number;
  sustained: boolean;
  violatingWindows: number;
  windows: number;
  /** ctr only. */
  baseline?: number;
  relativeDrop?: number;
}

export interface HealthCheck {
  kpi: HealthKpi;
  state: 'ok' | 'violating' | 'sustained' | 'no_data' | 'no_baseline' | 'disabled';
  value: number | null;
  threshold: number | null;
  violatingWindows: number;
  windowsWithData: number;
  baseline?: number | null;
}

export interface HealthResult {
  score: number;
  status: HealthStatus;
  reasons: HealthReason[];
  checks: HealthCheck[];
  evaluatedAt: string;
  /** The evaluated span [from, to), RFC 3339. */
  window: { from: string; to: string };
}

interface ConditionEval {
  check: HealthCheck;
  reason: HealthReason | null;
}

/**
 * Health of the traffic in `rollups` (the caller picks the scope: e.g. the model's
 * champion version, or all its versions and arms) at nowMs.
 */
export function evaluateHealth(rollups: Iterable<Rollup>, nowMs: number, config: HealthConfigInput = {}): HealthResult {
  if (!Number.isFinite(nowMs)) throw invalid(`now must be epoch milliseconds, got ${nowMs}`);
  const c = resolveHealthConfig(config);
  const W = c.windowMs;
  const n = c.sustainMs / W;
  const spanEnd = Math.floor((nowMs - c.lagMs) / W) * W;
  const spanStart = spanEnd - n * W;
  const baselineStart = spanStart - c.ctr.baselineWindowMs;

  const windows: (KpiTotals | undefined)[] = new Array(n).fill(undefined);
  let baseImpressions = 0;
  let baseClicks = 0;
  for (const r of rollups) {
    const end = r.bucketStart + r.bucketMs;
    if (r.bucketStart >= spanStart && r.bucketStart < spanEnd && r.bucketMs <= W) {
      const i = Math.floor((r.bucketStart - spanStart) / W);
      addToTotals((windows[i] ??= emptyTotals()), r);
    } else if (r.bucketStart >= baselineStart && end <= spanStart) {
      baseImpressions += r.impressions;
      baseClicks += r.clicks;
    }
  }

  const at = (i: number) => spanStart + i * W;
  const evals: ConditionEval[] = [];

  // CTR against its baseline
  {
    const rule = c.ctr;
    const measured = baseImpressions >= Math.max(1, rule.minBaselineImpressions) ? baseClicks / baseImpressions : null;
    const baseline = rule.baseline ?? measured;
    const minImp = Math.max(1, rule.minWindowImpressions);
    const values = windows.map((t) => (t && t.impressions >= minImp ? t.clicks / t.impressions : null));
    const limit = baseline === null ? null : baseline * (1 - rule.maxRelativeDrop);
    const e = judge('ctr', rule.enabled, values, limit, (v, l) => v < l, n, at);
    e.check.baseline = baseline;
    if (rule.enabled && baseline === null) e.check.state = 'no_baseline';
    if (e.reason && baseline !== null) {
      const drop = baseline > 0 ? 1 - e.reason.value / baseline : 0;
      e.reason.baseline = baseline;
      e.reason.relativeDrop = drop;
      e.reason.message =
        `CTR ${pct(e.reason.value)} is ${pct(drop)} below its baseline ${pct(baseline)} ` +
        `(limit: ${pct(rule.maxRelativeDrop)} down)${runText(e.reason, W)}`;
    }
    evals.push(e);
  }

  // p99 latency
  {
    const rule = c.latencyP99;
    const minReq = Math.max(1, rule.minWindowRequests);
    const values = windows.map((t) => (t && t.latency.count >= minReq ? t.latency.quantile(0.99) : null));
    const e = judge('latency_p99', rule.enabled, values, rule.thresholdMs, (v, l) => v > l, n, at);
    if (e.reason) {
      e.reason.message = `p99 latency ${ms(e.reason.value)} is above ${ms(rule.thresholdMs)}${runText(e.reason, W)}`;
    }
    evals.push(e);
  }

  // error rate
  {
    const rule = c.errorRate;
    const minReq = Math.max(1, rule.minWindowRequests);
    const values = windows.map((t) => (t && t.requests >= minReq ? t.errors / t.requests : null));
    const e = judge('error_rate', rule.enabled, values, rule.threshold, (v, l) => v > l, n, at);
    if (e.reason) {
      e.reason.message = `error rate ${pct(e.reason.value)} is above ${pct(rule.threshold)}${runText(e.reason, W)}`;
    }
    evals.push(e);
  }

  const reasons = evals.flatMap((e) => (e.reason ? [e.reason] : []));
  reasons.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'failing' ? -1 : 1));
  const worst = maxOf(evals.filter((e) => e.check.state !== 'disabled').map((e) => e.check.violatingWindows / n), 0);
  const status: HealthStatus = reasons.some((r) => r.sustained) ? 'failing' : reasons.length > 0 ? 'degraded' : 'ok';
  return {
    score: 1 - worst,
    status,
    reasons,
    checks: evals.map((e) => e.check),
    evaluatedAt: new Date(nowMs).toISOString(),
    window: { from: new Date(spanStart).toISOString(), to: new Date(spanEnd).toISOString() },
  };
}

const CONDITION = { ctr: 'ctr_drop', latency_p99: 'latency_p99_high', error_rate: 'error_rate_high' } as const;

/** Judges one condition over the span's windows (null value = no data = no violation). */
function judge(
  kpi: HealthKpi,
  enabled: boolean,
  values: (number | null)[],
  limit: number | null,
  violates: (value: number, limit: number) => boolean,
  n: number,
  at: (i: number) => number,
): ConditionEval {
  const check: HealthCheck = { kpi, state: 'disabled', value: null, threshold: limit, violatingWindows: 0, windowsWithData: 0 };
  if (!enabled) return { check, reason: null };
  const bad = values.map((v) => v !== null && limit !== null && violates(v, limit));
  let latest = -1;
  values.forEach((v, i) => {
    if (v !== null) {
      check.windowsWithData++;
      latest = i;
    }
    if (bad[i]) check.violatingWindows++;
  });
  if (latest < 0) {
    check.state = 'no_data';
    return { check, reason: null };
  }
  const value = values[latest] as number;
  check.value = value;
  if (limit === null || !bad[latest]) {
    check.state = 'ok';
    return { check, reason: null };
  }
  let runStart = latest;
  while (runStart > 0 && bad[runStart - 1]) runStart--;
  const sustained = check.violatingWindows === n;
  check.state = sustained ? 'sustained' : 'violating';
  const sinceMs = at(runStart);
  return {
    check,
    reason: {
      kpi,
      condition: CONDITION[kpi],
      severity: sustained ? 'failing' : 'degraded',
      message: '',
      value,
      threshold: limit,
      since: new Date(sinceMs).toISOString(),
      sinceMs,
      sustained,
      violatingWindows: check.violatingWindows,
      windows: n,
    },
  };
}

function runText(r: HealthReason, windowMs: number): string {
  const unit = windowMs === 60_000 ? 'minute' : `${windowMs / 1000} s window`;
  const span = `${r.windows} ${unit}${r.windows === 1 ? '' : 's'}`;
  return r.sustained
    ? ` in every one of the last ${span}, since ${r.since}`
    : ` in ${r.violatingWindows} of the last ${span} (current run since ${r.since}); not yet sustained`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x !== 0 && Math.abs(x) < 0.1 ? 2 : 1)}%`;
}

function ms(x: number): string {
  return `${x.toFixed(x < 10 ? 1 : 0)} ms`;
}
