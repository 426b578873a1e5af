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
  // An hour of labels after the delay: at 1,000 visits a minute about what the better
  // challenger's p90 time to decision needs at 1,500 (docs/scenarios.md).
  horizonMinutes: CANARY_AT + DELAY + 60,
  challenger: 'v2',
  relative: { v1: 1, v2: 1.1 },
  traffic: { visitsPerMinute: 1000, labelDelayMinutes: DELAY },
  verdict: { expect: 'promote', trigger: CANARY_AT, noDecisionBefore: CANARY_AT + DELAY },
});
