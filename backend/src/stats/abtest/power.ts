/**
 * Power: how small an effect the experiment can detect now, and how long until it can detect
 * the effect that matters.
 *
 * From a current result with total units N (both arms) and standard error SE, the per-unit
 * variance of the effect is s² = SE²·N, and with the same traffic split SE(N') = √(s²/N').
 * With power 1 − β (normal approximation, two-sided α):
 *   fixed horizon:  MDE(N) = (z_{1−α/2} + z_{1−β}) · SE(N)
 *   sequential:     MDE(N) = halfwidth_CS(N) + z_{1−β} · SE(N)
 * (a true effect of that size lands outside the critical region / confidence sequence with
 * probability 1 − β). The required N solves MDE(N) = target; the time to decision is the
 * missing units divided by the traffic rate, in the rate's time unit.
 */
import { invalid } from '../../core/errors.ts';
import type { AbTestResult } from './abtest.ts';
import { normalQuantile } from '../distributions.ts';
import { confidenceSequenceHalfWidth } from './sequential.ts';

export interface PowerOptions {
  /** Default 0.8. */
  power?: number;
}

export interface MdeResult {
  /** Minimum detectable effect (in the result's effect units) at the current sample; null when unknown. */
  mde: number | null;
  sampleSize: number;
  power: number;
  alpha: number;
  reason?: string;
}

export interface TimeToDecisionOptions extends PowerOptions {
  /** Effect worth detecting (> 0, effect units); default: the observed |effect|. */
  targetEffect?: number;
  /** Units (both arms together) arriving per time unit. */
  trafficRate?: number;
}

export interface TimeToDecisionResult extends MdeResult {
  targetEffect: number | null;
  /** Total units (both arms) needed to detect targetEffect with the given power. */
  requiredSampleSize: number | null;
  additionalSampleSize: number | null;
  /** additionalSampleSize / trafficRate, in the rate's time unit; 0 when already powered. */
  estimatedTime: number | null;
}

function resolvePower(options: PowerOptions): number {
  const power = options.power ?? 0.8;
  if (typeof power !== 'number' || !(power > 0 && power < 1)) throw invalid(`power must be in (0, 1), got ${String(options.power)}`);
  return power;
}

/** MDE at N total units given per-unit variance s2. */
function mdeAt(n: number, s2: number, alpha: number, zPower: number, tuning: number | null): number {
  const se = Math.sqrt(s2 / n);
  const critical = tuning === null ? -normalQuantile(alpha / 2) * se : confidenceSequenceHalfWidth(se, n, alpha, tuning);
  return critical + zPower * se;
}

export function minimumDetectableEffect(result: AbTestResult, options: PowerOptions = {}): MdeResult {
  const power = resolvePower(options);
  const n = result.control.n + result.treatment.n;
  const base = { sampleSize: n, power, alpha: result.alpha };
  if (result.status !== 'ok') return { ...base, mde: null, reason: result.reason ?? result.status };
  const s2 = result.se * result.se * n;
  return { ...base, mde: mdeAt(n, s2, result.alpha, -normalQuantile(1 - power), result.sequential?.tuning ?? null) };
}

export function timeToDecision(result: AbTestResult, options: TimeToDecisionOptions = {}): TimeToDecisionResult {
  const mde = minimumDetectableEffect(result, options);
  const target = options.targetEffect ?? Math.abs(result.effect);
  if (options.targetEffect !== undefined && !(typeof target === 'number' && Number.isFinite(target) && target > 0)) {
    throw invalid(`targetEffect must be a positive number, got ${String(options.targetEffect)}`);
  }
  const rate = options.trafficRate;
  if (rate !== undefined && !(typeof rate === 'number' && Number.isFinite(rate) && rate >= 0)) {
    throw invalid(`trafficRate must be a finite number ≥ 0, got ${String(rate)}`);
  }
  const none = { ...mde, targetEffect: target > 0 ? target : null, requiredSampleSize: null, additionalSampleSize: null, estimatedTime: null };
  if (mde.mde === null) return none;
  if (!(target > 0)) return { ...none, reason: 'no target effect: give targetEffect (the observed effect is 0)' };

  const n = mde.sampleSize;
  const s2 = result.se * result.se * n;
  const zPower = -normalQuantile(1 - mde.power);
  const tuning = result.sequential?.tuning ?? null;
  let required: number;
  if (tuning === null) {
    required = s2 * ((-normalQuantile(result.alpha / 2) + zPower) / target) ** 2;
  } else {
    // MDE(N) decreases in N: bisect on ln N.
    let lo = 0;
    let hi = Math.log(1e18);
    if (mdeAt(Math.exp(hi), s2, result.alpha, zPower, tuning) > target) {
      return { ...none, reason: 'the target effect is too small to detect with any realistic sample' };
    }
    for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
      const mid = 0.5 * (lo + hi);
      if (mdeAt(Math.exp(mid), s2, result.alpha, zPower, tuning) > target) lo = mid;
      else hi = mid;
    }
    required = Math.exp(hi);
  }
  const requiredSampleSize = Math.ceil(required);
  const additionalSampleSize = Math.max(0, requiredSampleSize - n);
  let estimatedTime: number | null = null;
  if (additionalSampleSize === 0) estimatedTime = 0;
  else if (rate !== undefined && rate > 0) estimatedTime = additionalSampleSize / rate;
  return { ...mde, targetEffect: target, requiredSampleSize, additionalSampleSize, estimatedTime };
}
