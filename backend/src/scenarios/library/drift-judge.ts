/**
 * The verdict of a drift scenario: the world changes at `driftAt`; the service may retrain and
 * run the retrain's canary. A promoted retrain must be better than the old champion in the new
 * world (the world's own click rates while both served), and, when `mustPromote`, one must be
 * promoted within the horizon.
 */
import type { ScenarioResult } from '../engine-api.ts';
import type { SeedVerdict } from '../report.ts';
import { realisedLift } from './canary-judge.ts';
import { ctr, decisions, describe, eventsOf, formatPercent, ratioOver, recoveredShare } from './judge.ts';

export interface DriftTruth {
  champion: string;
  driftAt: number;
  /** Harmful drift: a retrain must be promoted. Benign: none is needed, and a worse one is false. */
  mustPromote: boolean;
}

export function judgeDrift(result: ScenarioResult, t: DriftTruth): SeedVerdict {
  const d = decisions(result, t.driftAt);
  const promotion = d.promotions.find((p) => p.from === t.champion && p.to !== t.champion);
  const lift = promotion ? realisedLift(result, { champion: t.champion, challenger: promotion.to }) : null;
  const worsePromoted = promotion !== undefined && (lift === null || lift <= 0);
  // A canary stopped against a retrain that was in truth better (or any rollback of the champion).
  const wrongStops = d.stops.filter((s) => {
    if (s.decision === 'promote') return false;
    const challenger = s.arms[1]?.version;
    const l = challenger ? realisedLift(result, { champion: t.champion, challenger }) : null;
    return l !== null && l > 0;
  });
  const falseRollback = wrongStops.length > 0 || d.rollbacks.some((r) => r.from === t.champion);
  const correct = t.mustPromote
    ? promotion !== undefined && !worsePromoted && result.final.champion === promotion.to
    : !worsePromoted && !falseRollback;

  let kpiRecovered: number | null = null;
  if (promotion) {
    // The canary serves the retrain to half of the traffic: the drifted-only window ends when it starts.
    const canaryStart = eventsOf(result, 'experiment', t.driftAt).find((e) => e.change === 'started')?.minute ?? promotion.minute;
    kpiRecovered = recoveredShare(
      ratioOver(result, 0, t.driftAt, ctr),
      ratioOver(result, t.driftAt + 5, canaryStart, ctr),
      ratioOver(result, promotion.minute + 1, result.minutesRun, ctr),
      true,
    );
  }
  const before = ratioOver(result, 0, t.driftAt, ctr);
  const drifted = ratioOver(result, t.driftAt + 5, t.driftAt + 15, ctr);
  return {
    seed: result.seed,
    correct,
    falsePromotion: worsePromoted,
    falseRollback,
    decisionMinutes: promotion ? promotion.minute - t.driftAt : null,
    kpiRecovered,
    summary: `${describe(result, d)}; CTR ${formatPercent(before)} before the drift, ${formatPercent(drifted)} after${promotion ? `; ${promotion.to}'s realised lift ${formatPercent(lift)}` : ''}`,
  };
}
