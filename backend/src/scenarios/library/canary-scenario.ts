/**
 * The library's canary scenarios share one shape: v1 champion, a challenger (v2, or v1 itself
 * for an A/A), the A/B traffic with every version's clicks boosted, the canary at CANARY_AT,
 * and a canary verdict. Each scenario file says only what differs.
 */
import type { Injection, TrafficSpec } from '../engine-api.ts';
import { judgeCanary, type CanaryTruth } from './canary-judge.ts';
import { abTraffic, boosted, canary, challenger, champion } from './common.ts';
import type { LibraryScenario } from './scenario.ts';

export interface CanaryScenario {
  name: string;
  title: string;
  truth: string;
  horizonMinutes: number;
  /** "v2", or "$champion" for an A/A canary. */
  challenger: 'v2' | '$champion';
  /** Each served version's click factor over the boosted base; null: the demo's click rates. */
  relative: Record<string, number> | null;
  injections?: Injection[];
  traffic?: Partial<TrafficSpec>;
  verdict: Omit<CanaryTruth, 'champion' | 'challenger'>;
}

export function canaryScenario(c: CanaryScenario): LibraryScenario {
  const versions = c.challenger === 'v2' ? [champion('v1'), challenger('v2')] : [champion('v1')];
  return {
    name: c.name,
    title: c.title,
    truth: c.truth,
    horizonMinutes: c.horizonMinutes,
    spec: (seed) => ({
      name: c.name,
      seed,
      model: {},
      horizonMinutes: c.horizonMinutes,
      versions,
      traffic: abTraffic(c.traffic),
      injections: [...(c.relative ? boosted(c.relative) : []), ...(c.injections ?? [])],
      operations: [canary(c.challenger)],
    }),
    judge: (result) => judgeCanary(result, { ...c.verdict, champion: 'v1', challenger: c.challenger === 'v2' ? 'v2' : 'v1' }),
  };
}
