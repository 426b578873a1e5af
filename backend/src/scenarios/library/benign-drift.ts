import { judgeDrift } from './drift-judge.ts';
import { abTraffic, BRIEF_RETRAIN, champion } from './common.ts';
import type { LibraryScenario } from './scenario.ts';

const DRIFT_AT = 10;
const HORIZON = 70;

/**
 * Shoppers' `user_sessions_7d` triples; clicks do not depend on it, so no model loses accuracy.
 * A feature-drift alert is expected (it does not act); no worse model may be promoted.
 */
export const benignDrift: LibraryScenario = {
  name: 'benign-drift',
  title: 'Benign drift (an input shifts, accuracy does not)',
  truth: 'no worse model promoted, no rollback',
  horizonMinutes: HORIZON,
  spec: (seed) => ({
    name: 'benign-drift',
    seed,
    model: { settings: { retrain: BRIEF_RETRAIN } },
    horizonMinutes: HORIZON,
    versions: [champion('v1')],
    traffic: abTraffic({ visitsPerMinute: 500 }),
    injections: [{ kind: 'drift', at: DRIFT_AT, world: { sessionsFactor: 3 } }],
  }),
  judge: (result) => judgeDrift(result, { champion: 'v1', driftAt: DRIFT_AT, mustPromote: false }),
};
