import type { ScenarioResult } from '../engine-api.ts';
import type { SeedVerdict } from '../report.ts';
import { abTraffic, challenger, champion } from './common.ts';
import { decisions, describe, errorsPerVisit, ratioOver, recoveredShare } from './judge.ts';
import type { LibraryScenario } from './scenario.ts';

const PROMOTED_AT = 1;
const SPIKE_AT = 10;
const HORIZON = SPIKE_AT + 30;

/** v2 replaced v1 as champion; then 20 % of v2's predictions fail: the service should roll back to v1. */
export const errorChampion: LibraryScenario = {
  name: 'error-champion',
  title: 'Error spike on the champion (20 % of v2 fails)',
  truth: 'the champion is rolled back from v2 to v1',
  horizonMinutes: HORIZON,
  spec: (seed) => ({
    name: 'error-champion',
    seed,
    model: {},
    horizonMinutes: HORIZON,
    versions: [champion('v1'), challenger('v2')],
    traffic: abTraffic({ visitsPerMinute: 500 }),
    injections: [{ kind: 'errors', at: SPIKE_AT, version: 'v2', rate: 0.2 }],
    operations: [{ kind: 'promote', at: PROMOTED_AT, version: 'v2', reason: 'scenario: v2 replaces v1' }],
  }),
  judge: judgeErrorChampion,
};

function judgeErrorChampion(result: ScenarioResult): SeedVerdict {
  const d = decisions(result, PROMOTED_AT + 1);
  const rollback = d.rollbacks.find((r) => r.from === 'v2' && r.to === 'v1');
  const otherRollback = d.rollbacks.find((r) => r !== rollback);
  const correct = Boolean(rollback) && result.final.champion === 'v1' && !result.final.serving.includes('v2') && !otherRollback;
  const kpiRecovered = rollback
    ? recoveredShare(
        ratioOver(result, PROMOTED_AT + 1, SPIKE_AT, errorsPerVisit),
        ratioOver(result, SPIKE_AT, rollback.minute, errorsPerVisit),
        ratioOver(result, rollback.minute + 1, result.minutesRun, errorsPerVisit),
        false,
      )
    : null;
  return {
    seed: result.seed,
    correct,
    falsePromotion: d.promotions.length > 0,
    falseRollback: Boolean(otherRollback) || (rollback !== undefined && rollback.minute < SPIKE_AT),
    decisionMinutes: rollback ? rollback.minute - SPIKE_AT : null,
    kpiRecovered,
    summary: describe(result, d),
  };
}
