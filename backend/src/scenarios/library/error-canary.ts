import { CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';
import { errorsPerVisit } from './judge.ts';

const SPIKE_AT = CANARY_AT + 5;

/** Five minutes into a 50/50 canary, 20 % of the challenger's predictions start failing: its canary should end, the champion kept. */
export const errorCanary = canaryScenario({
  name: 'error-canary',
  title: 'Error spike on the canary (20 % of v2 fails)',
  truth: 'the canary is stopped; v1 stays champion, v2 serves nothing',
  horizonMinutes: SPIKE_AT + 30,
  challenger: 'v2',
  relative: { v1: 1, v2: 1 },
  injections: [{ kind: 'errors', at: SPIKE_AT, version: 'v2', rate: 0.2 }],
  verdict: { expect: 'stop', trigger: SPIKE_AT, kpi: { higherIsBetter: false, ratio: errorsPerVisit } },
});
