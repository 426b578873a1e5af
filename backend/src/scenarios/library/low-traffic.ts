import { CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';

/**
 * Twenty visits a minute (the demo's click rates, no boost): two hours give a few dozen clicks
 * per arm, far too few to tell two similar versions apart. The canary should keep running and no
 * alert should act (drift, CTR and error rules on tiny windows).
 */
export const lowTraffic = canaryScenario({
  name: 'low-traffic',
  title: 'Low traffic (20 visits/min)',
  truth: 'waits: no promotion, rollback or retrain',
  horizonMinutes: 120,
  challenger: 'v2',
  relative: null,
  traffic: { visitsPerMinute: 20, units: 2_000 },
  verdict: { expect: 'none', trigger: CANARY_AT },
});
