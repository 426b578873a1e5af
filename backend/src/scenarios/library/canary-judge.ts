/**
 * The verdict of a canary scenario (a champion and a challenger in one autoDecide experiment):
 * did the service promote the challenger, stop its canary with the champion kept, or leave it
 * running, and was that what the ground truth asks for.
 */
import { maxOf, minOf } from '../../core/arrays.ts';
import type { ScenarioResult, VersionKpis } from '../engine-api.ts';
import type { SeedVerdict } from '../report.ts';
import { TREATMENT_ARM } from './common.ts';
import { ctr, decisions, describe, formatPercent, meanOver, ratioOver, recoveredShare, type EventOf } from './judge.ts';

export interface CanaryTruth {
  /** promote: the challenger becomes champion; stop: its canary ends, the champion keeps all traffic; none: nothing is decided. */
  expect: 'promote' | 'stop' | 'none';
  champion: string;
  /** The challenger arm's version (the champion's own in an A/A canary). */
  challenger: string;
  /** Minute the scenario's cause starts (the canary, or the fault injected into it): decision times count from it. */
  trigger: number;
  /** Decisions before this minute are false whatever they are (no outcome could have arrived yet). */
  noDecisionBefore?: number;
  /** expect "none" with an alert that must fire (the SRM scenario): its first firing is the decision. */
  alert?: string;
  /** expect "stop": the KPI the fault costs, for the share recovered after the stop. */
  kpi?: { higherIsBetter: boolean } & ({ ratio: (k: VersionKpis) => [number, number] } | { mean: (k: VersionKpis) => number | null });
}

export const SRM_ALERT = 'ModelWatchExperimentSRM';

const isCanaryStop = (e: EventOf<'experiment'>, t: CanaryTruth) => e.arms.some((a) => a.name === TREATMENT_ARM && a.version === t.challenger);

export function judgeCanary(result: ScenarioResult, t: CanaryTruth): SeedVerdict {
  const d = decisions(result, 0);
  const stops = d.stops.filter((e) => isCanaryStop(e, t));
  const promoteStop = stops.find((e) => e.decision === 'promote');
  const promotion = d.promotions.find((p) => p.to === t.challenger) ?? null;
  const otherPromotion = d.promotions.find((p) => p.to !== t.challenger) ?? null;
  const againstStop = stops.find((e) => e.decision !== 'promote');
  const championRollback = d.rollbacks.find((r) => r.from === t.champion) ?? null;
  const alert = t.alert ? d.firing.find((a) => a.alertname === t.alert) : undefined;
  // A split that is healthy must not raise a sample-ratio mismatch (it also blocks every decision).
  const falseSrm = t.alert === SRM_ALERT ? undefined : d.firing.find((a) => a.alertname === SRM_ALERT);

  const promoted = Boolean(promoteStop || promotion);
  const stoppedAgainst = Boolean(againstStop) && !promoted;
  const final = result.final;
  const championKept = final.champion === t.champion;
  const challengerServing = t.challenger !== t.champion && final.serving.includes(t.challenger);

  const firstMinute = Math.min(promoteStop?.minute ?? Infinity, promotion?.minute ?? Infinity, againstStop?.minute ?? Infinity, championRollback?.minute ?? Infinity, otherPromotion?.minute ?? Infinity);
  const early = t.noDecisionBefore !== undefined && firstMinute < t.noDecisionBefore;

  let correct: boolean;
  let decisionMinute: number | null;
  let falsePromotion: boolean;
  let falseRollback: boolean;
  if (t.expect === 'promote') {
    correct = promoted && !early && final.champion === t.challenger && !championRollback;
    decisionMinute = promoted ? firstMinute : againstStop ? againstStop.minute : null;
    falsePromotion = Boolean(otherPromotion) || (promoted && early);
    falseRollback = stoppedAgainst || Boolean(championRollback);
  } else if (t.expect === 'stop') {
    correct = stoppedAgainst && championKept && !challengerServing && !championRollback && !otherPromotion;
    decisionMinute = Number.isFinite(firstMinute) ? firstMinute : null;
    falsePromotion = promoted || Boolean(otherPromotion);
    falseRollback = Boolean(championRollback);
  } else {
    const acted = promoted || Boolean(againstStop) || Boolean(championRollback) || Boolean(otherPromotion);
    correct = !acted && championKept && (t.alert === undefined || alert !== undefined) && !falseSrm && d.retrains.length === 0;
    decisionMinute = t.alert ? (alert?.minute ?? null) : Number.isFinite(firstMinute) ? firstMinute : null;
    falsePromotion = promoted || Boolean(otherPromotion);
    falseRollback = Boolean(againstStop) || Boolean(championRollback);
  }

  let kpiRecovered: number | null = null;
  if (t.expect === 'stop' && t.kpi && againstStop) {
    // Healthy: the champion's arm while the fault ran (the same world, minute for minute);
    // faulty: all traffic over that window; after: all traffic once the canary stopped.
    const [from, to, end] = [t.trigger, againstStop.minute, result.minutesRun];
    const k = t.kpi;
    const over = (a: number, b: number, version?: string) => ('ratio' in k ? ratioOver(result, a, b, k.ratio, version) : meanOver(result, a, b, k.mean, version));
    kpiRecovered = recoveredShare(over(from, to, t.champion), over(from, to), over(to + 1, end), k.higherIsBetter);
  }

  const effect = t.challenger === t.champion ? null : realisedLift(result, t);
  const summary = `${describe(result, d)}${effect === null ? '' : `; realised CTR lift of the challenger ${formatPercent(effect)}`}${early ? `; decided at m${firstMinute}, before m${t.noDecisionBefore}` : ''}${t.alert && !alert ? `; ${t.alert} never fired` : ''}${falseSrm ? `; false ${SRM_ALERT} at m${falseSrm.minute}` : ''}`;
  return {
    seed: result.seed,
    correct,
    falsePromotion,
    falseRollback,
    decisionMinutes: decisionMinute === null ? null : decisionMinute - t.trigger,
    kpiRecovered,
    summary,
  };
}

/** The challenger's true CTR over the champion's while both served (the world's ground truth, not the service's estimate). */
export function realisedLift(result: ScenarioResult, t: Pick<CanaryTruth, 'champion' | 'challenger'>): number | null {
  const both = result.minutes.filter((m) => m.versions[t.champion] && m.versions[t.challenger]).map((m) => m.minute);
  if (!both.length) return null;
  const [from, to] = [minOf(both), maxOf(both) + 1];
  const a = ratioOver(result, from, to, ctr, t.champion);
  const b = ratioOver(result, from, to, ctr, t.challenger);
  return a && b !== null ? b / a - 1 : null;
}
