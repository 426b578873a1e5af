import { AB_HORIZON, CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';

/** The champion against itself in a 50/50 canary: any promotion or rollback is a false one. */
export const aaCanary = canaryScenario({
  name: 'aa-canary',
  title: 'A/A canary',
  truth: 'nothing: no promotion, no rollback, no sample-ratio alarm',
  horizonMinutes: CANARY_AT + AB_HORIZON,
  challenger: '$champion',
  relative: { v1: 1 },
  verdict: { expect: 'none', trigger: CANARY_AT },
});
