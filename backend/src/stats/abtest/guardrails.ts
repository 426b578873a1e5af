/**
 * Guardrail metrics with non-inferiority margins. A guardrail asks "is the treatment no worse
 * than the control by more than `margin`?" and is judged on the CI's bad-side bound:
 *
 *   higher is better: bad side is the lower bound;  non-inferior when lo > −margin
 *   lower is better:  bad side is the upper bound;  non-inferior when hi < +margin
 *
 * The guardrail FAILS while its bad-side bound crosses the margin. It is HARMFUL when even the
 * good-side bound lies beyond the margin (the whole interval is worse than allowed). With a
 * two-sided (1 − α) interval the non-inferiority test has one-sided level α/2 (conservative).
 * Margins are in the result's effect units (a fraction for relative lift, metric units for
 * absolute); with a sequential result the interval is a confidence sequence, so the verdict is
 * valid at any look.
 */
import { invalid } from '../../core/errors.ts';
import type { AbTestResult } from './abtest.ts';
import type { Direction } from './bayesian.ts';

export type GuardrailStatus = 'non_inferior' | 'inconclusive' | 'harmful';

export interface GuardrailInput {
  name: string;
  result: AbTestResult;
  direction: Direction;
  /** Largest tolerated degradation, ≥ 0, in the result's effect units. */
  margin: number;
}

export interface GuardrailVerdict {
  name: string;
  status: GuardrailStatus;
  /** True unless non-inferiority is shown (the bad-side bound crosses the margin). */
  failed: boolean;
  badSideBound: number;
  /** The bound the bad side is compared with: −margin (higher is better) or +margin. */
  limit: number;
  reason: string;
}

export function evaluateGuardrail(guardrail: GuardrailInput): GuardrailVerdict {
  const { name, result, direction, margin } = guardrail;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
    throw invalid(`guardrail "${name}": margin must be a finite number ≥ 0, got ${String(margin)}`);
  }
  if (direction !== 'higher' && direction !== 'lower') {
    throw invalid(`guardrail "${name}": direction must be "higher" or "lower", got ${String(direction)}`);
  }
  const [lo, hi] = result.ci;
  const higher = direction === 'higher';
  const badSideBound = higher ? lo : hi;
  const goodSideBound = higher ? hi : lo;
  const limit = higher ? -margin : margin;
  const units = result.difference === 'relative' ? ' (relative)' : '';
  if (result.status !== 'ok') {
    return { name, status: 'inconclusive', failed: true, badSideBound, limit, reason: `${name}: no estimate yet (${result.reason ?? result.status})` };
  }
  const beyond = (x: number): boolean => (higher ? x < limit : x > limit);
  const interval = `[${fmt(lo)}, ${fmt(hi)}]${units}`;
  if (beyond(goodSideBound)) {
    return { name, status: 'harmful', failed: true, badSideBound, limit, reason: `${name}: the whole interval ${interval} is worse than the margin ${fmt(limit)}` };
  }
  if (beyond(badSideBound) || badSideBound === limit) {
    return { name, status: 'inconclusive', failed: true, badSideBound, limit, reason: `${name}: interval ${interval} crosses the margin ${fmt(limit)}; non-inferiority not shown` };
  }
  return { name, status: 'non_inferior', failed: false, badSideBound, limit, reason: `${name}: interval ${interval} stays within the margin ${fmt(limit)}` };
}

const fmt = (x: number): string => Number(x.toPrecision(4)).toString();
