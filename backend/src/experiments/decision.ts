/**
 * Experiment recommendation from per-metric results: promote | rollback | keep_running |
 * inconclusive, with reasons a person can read.
 *
 * Order of precedence:
 * 1. Sample-ratio mismatch → inconclusive: the split is broken, so no metric can be trusted.
 * 2. Not enough data → keep_running. Fixed horizon: results are read only once the planned
 *    sample is reached (reading them earlier is peeking and inflates false positives).
 *    Sequential: the always-valid results may be read at any look once the minimum sample is
 *    reached (the minimum protects the normal approximation).
 * 3. A harmful guardrail (its whole interval beyond the margin) or a primary metric that is
 *    significantly worse → rollback.
 * 4. A primary metric significantly better and every guardrail shown non-inferior → promote.
 * 5. Otherwise: sequential → keep_running (until maxSampleSize, then inconclusive);
 *    fixed horizon at its planned sample → inconclusive.
 */
import { invalid } from '../core/errors.ts';
import type { AbTestResult } from '../stats/abtest/abtest.ts';
import type { Direction } from '../stats/abtest/bayesian.ts';
import { evaluateGuardrail, type GuardrailVerdict } from '../stats/abtest/guardrails.ts';
import type { SrmResult } from '../stats/abtest/srm.ts';

export type Recommendation = 'promote' | 'rollback' | 'keep_running' | 'inconclusive';

export interface DecisionInput {
  /** The metric the experiment is run for; its direction is the result's `direction`. */
  primary: { name: string; result: AbTestResult };
  guardrails?: { name: string; result: AbTestResult; margin: number; direction?: Direction }[];
  srm?: Pick<SrmResult, 'pValue' | 'mismatch'>;
  /** Must match how the results were computed (always-valid or fixed-horizon). */
  sequential: boolean;
  /** Units so far, all arms together. */
  sampleSize: number;
  /** Fixed horizon: the planned sample. Sequential: the minimum before any decision. */
  minSampleSize: number;
  /** Sequential only: past this sample, stop as inconclusive if nothing was decided. */
  maxSampleSize?: number;
}

export interface Decision {
  recommendation: Recommendation;
  reasons: string[];
  guardrails: GuardrailVerdict[];
}

const fmt = (x: number): string => Number(x.toPrecision(3)).toString();
const pct = (x: number): string => `${fmt(100 * x)}%`;

function describe(name: string, r: AbTestResult): string {
  const show = r.difference === 'relative' ? pct : fmt;
  const what = r.sequential ? 'confidence sequence' : 'CI';
  return `${name}: effect ${show(r.effect)} (${what} [${show(r.ci[0])}, ${show(r.ci[1])}], p = ${fmt(r.pValue)})`;
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`${field} must be a finite number ≥ 0, got ${String(value)}`);
  return value;
}

export function decide(input: DecisionInput): Decision {
  const n = checkCount(input.sampleSize, 'sampleSize');
  const min = checkCount(input.minSampleSize, 'minSampleSize');
  const max = input.maxSampleSize === undefined ? undefined : checkCount(input.maxSampleSize, 'maxSampleSize');
  const { primary, sequential } = input;
  const inputs = [{ field: 'primary', r: primary.result }, ...(input.guardrails ?? []).map((g, i) => ({ field: `guardrails[${i}]`, r: g.result }))];
  for (const { field, r } of inputs) {
    if ((r.sequential !== null) !== sequential) {
      throw invalid(`${field}.result was computed ${r.sequential ? 'sequentially' : 'fixed-horizon'} but sequential is ${sequential}`);
    }
  }
  const guardrails = (input.guardrails ?? []).map((g) =>
    evaluateGuardrail({ name: g.name, result: g.result, margin: g.margin, direction: g.direction ?? g.result.direction }),
  );
  const done = (recommendation: Recommendation, reasons: string[]): Decision => ({ recommendation, reasons, guardrails });

  if (input.srm?.mismatch) {
    return done('inconclusive', [
      `sample ratio mismatch (p = ${fmt(input.srm.pValue)}): the observed split does not match the weights, so assignment or logging is broken and no result can be trusted; investigate before deciding`,
    ]);
  }
  if (n < min) {
    return done('keep_running', [
      sequential
        ? `${n} of the minimum ${min} units collected`
        : `${n} of the planned ${min} units collected; a fixed-horizon test is read only at its planned sample`,
    ]);
  }

  const r = primary.result;
  const better = r.direction === 'higher' ? r.effect > 0 : r.effect < 0;
  const harmful = guardrails.filter((g) => g.status === 'harmful');
  const pending = guardrails.filter((g) => g.status !== 'non_inferior');
  const canWait = sequential && (max === undefined || n < max);
  const stopReason = sequential ? `the maximum sample (${max}) is reached` : 'the planned sample is reached';

  if (harmful.length > 0) {
    return done('rollback', [...harmful.map((g) => `guardrail ${g.reason}`), describe(primary.name, r)]);
  }
  if (r.status !== 'ok') {
    const reason = `${primary.name}: no estimate (${r.reason ?? r.status})`;
    return canWait ? done('keep_running', [reason]) : done('inconclusive', [reason, stopReason]);
  }
  if (r.significant && !better) {
    return done('rollback', [`${describe(primary.name, r)} is significantly worse`]);
  }
  if (r.significant && better) {
    if (pending.length === 0) {
      return done('promote', [`${describe(primary.name, r)} is significantly better`, ...guardrails.map((g) => `guardrail ${g.reason}`)]);
    }
    const waiting = pending.map((g) => `guardrail ${g.reason}`);
    return canWait
      ? done('keep_running', [`${describe(primary.name, r)} is significantly better`, ...waiting])
      : done('inconclusive', [`${describe(primary.name, r)} is significantly better`, ...waiting, stopReason]);
  }
  const flat = `${describe(primary.name, r)}: no significant difference`;
  return canWait ? done('keep_running', [flat]) : done('inconclusive', [flat, stopReason]);
}
