import { CANARY_AT } from './common.ts';
import { canaryScenario } from './canary-scenario.ts';
import { p99 } from './judge.ts';

/**
 * The challenger answers 30 ms slower than the champion's 3–6 ms (below the 500 ms p99 alert,
 * far beyond the canary's 20 % latency guardrail): the canary should end with the champion kept.
 */
export const latencyCanary = canaryScenario({
  name: 'latency-canary',
  title: 'Latency regression on the canary (+30 ms)',
  truth: 'the canary is stopped (latency guardrail); v1 stays champion, v2 serves nothing',
  horizonMinutes: CANARY_AT + 30,
  challenger: 'v2',
  relative: { v1: 1, v2: 1 },
  injections: [{ kind: 'latency', at: CANARY_AT, version: 'v2', addMs: 30 }],
  verdict: { expect: 'stop', trigger: CANARY_AT, kpi: { higherIsBetter: false, mean: p99 } },
});
