import { CANARY_AT, TREATMENT_ARM } from './common.ts';
import { SRM_ALERT } from './canary-judge.ts';
import { canaryScenario } from './canary-scenario.ts';

/** The treatment arm loses 10 % of its units (their events never arrive): the SRM alert should fire and nothing be decided. */
export const srmScenario = canaryScenario({
  name: 'srm',
  title: 'Sample-ratio mismatch (treatment loses 10 % of its units)',
  truth: `${SRM_ALERT} fires; no promotion, no rollback`,
  horizonMinutes: CANARY_AT + 30,
  challenger: 'v2',
  relative: { v1: 1, v2: 1 },
  injections: [{ kind: 'unit-loss', at: CANARY_AT, arm: TREATMENT_ARM, share: 0.1 }],
  verdict: { expect: 'none', trigger: CANARY_AT, alert: SRM_ALERT },
});
