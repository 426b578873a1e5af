import { AB_HORIZON, CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';
import { ctr } from './judge.ts';

/** A challenger with 10 % fewer clicks goes into a 50/50 canary: the canary should end with the champion kept. */
export const worseChallenger = canaryScenario({
  name: 'worse-challenger',
  title: 'Worse challenger (−10 % CTR)',
  truth: 'the canary is stopped (rollback); v1 stays champion, v2 serves nothing',
  horizonMinutes: CANARY_AT + AB_HORIZON,
  challenger: 'v2',
  relative: { v1: 1, v2: 0.9 },
  verdict: { expect: 'stop', trigger: CANARY_AT, kpi: { higherIsBetter: true, ratio: ctr } },
});
