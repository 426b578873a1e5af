import { judgeDrift } from './drift-judge.ts';
import { BRIEF_RETRAIN, TRAINING } from './common.ts';
import type { LibraryScenario } from './scenario.ts';

const DRIFT_AT = 10;
const HORIZON = 150;

/**
 * The demo's first act: prices rise 30 % and a price-sensitive market brings half of the
 * shoppers; v1 never saw them and its CTR falls. The shipped rules fire, the default policy
 * retrains, the gate passes the retrain and its canary (the engine's retrain settings: 50 %,
 * autoDecide) should promote it.
 */
export const harmfulDrift: LibraryScenario = {
  name: 'harmful-drift',
  title: 'Harmful drift → retrain → promotion',
  truth: 'a retrained version is promoted and beats v1 in the new world',
  horizonMinutes: HORIZON,
  spec: (seed) => ({
    name: 'harmful-drift',
    seed,
    model: { settings: { retrain: BRIEF_RETRAIN } },
    horizonMinutes: HORIZON,
    versions: [{ version: 'v1', champion: true, description: 'champion', training: TRAINING }],
    traffic: { visitsPerMinute: 600, units: 30_000, candidates: 4 },
    injections: [{ kind: 'drift', at: DRIFT_AT, world: { priceFactor: 1.3, newMarketShare: 0.5 } }],
  }),
  judge: (result) => judgeDrift(result, { champion: 'v1', driftAt: DRIFT_AT, mustPromote: true }),
};
