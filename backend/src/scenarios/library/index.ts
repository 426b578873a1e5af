/** The scenario library, in the order docs/scenarios.md lists it. */
import { aaCanary } from './aa-canary.ts';
import { benignDrift } from './benign-drift.ts';
import { betterChallenger } from './better-challenger.ts';
import { delayedLabels } from './delayed-labels.ts';
import { errorCanary } from './error-canary.ts';
import { errorChampion } from './error-champion.ts';
import { harmfulDrift } from './harmful-drift.ts';
import { latencyCanary } from './latency-canary.ts';
import { lowTraffic } from './low-traffic.ts';
import type { LibraryScenario } from './scenario.ts';
import { shadowRelease } from './shadow-release.ts';
import { srmScenario } from './srm.ts';
import { worseChallenger } from './worse-challenger.ts';

export const library: readonly LibraryScenario[] = [
  aaCanary,
  betterChallenger,
  worseChallenger,
  latencyCanary,
  errorCanary,
  errorChampion,
  harmfulDrift,
  shadowRelease,
  benignDrift,
  srmScenario,
  delayedLabels,
  lowTraffic,
];

export function scenarioNamed(name: string): LibraryScenario | undefined {
  return library.find((s) => s.name === name);
}
