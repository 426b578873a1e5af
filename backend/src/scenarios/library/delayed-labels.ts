import { CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';

const DELAY = 120;

/**
 * The better challenger (+10 % CTR) with every click label arriving two hours after its
 * impression: nothing may be decided before labels can have arrived, then v2 is promoted.
 */
export const delayedLabels = canaryScenario({
  name: 'delayed-labels',
  title: 'Labels delayed by 2 hours (better challenger)',
  truth: `no decision before the labels arrive (m${CANARY_AT + DELAY}), then the canary promotes v2`,
  horizonMinutes: CANARY_AT + DELAY + 30,
  challenger: 'v2',
  relative: { v1: 1, v2: 1.1 },
  traffic: { visitsPerMinute: 500, labelDelayMinutes: DELAY },
  verdict: { expect: 'promote', trigger: CANARY_AT, noDecisionBefore: CANARY_AT + DELAY },
});
