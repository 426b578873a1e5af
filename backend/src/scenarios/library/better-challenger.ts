import { AB_HORIZON, CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';

/** A challenger with 10 % more clicks than the champion goes into a 50/50 canary: it should be promoted. */
export const betterChallenger = canaryScenario({
  name: 'better-challenger',
  title: 'Better challenger (+10 % CTR)',
  truth: 'the canary promotes v2',
  horizonMinutes: CANARY_AT + AB_HORIZON,
  challenger: 'v2',
  relative: { v1: 1, v2: 1.1 },
  verdict: { expect: 'promote', trigger: CANARY_AT },
});
