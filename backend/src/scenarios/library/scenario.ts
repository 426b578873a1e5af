/**
 * What a library scenario is: a spec for the engine per seed (engine-api.ts), its ground truth
 * in words, its horizon, and a judge that turns one seed's result into a verdict (report.ts).
 */
import type { ScenarioResult, ScenarioSpec } from '../engine-api.ts';
import type { SeedVerdict } from '../report.ts';

export interface LibraryScenario {
  /** Stable name: `--scenario`, report rows, docs/scenarios.md. */
  name: string;
  title: string;
  /** The correct action, in words (the report's "ground truth" column). */
  truth: string;
  horizonMinutes: number;
  spec(seed: number): ScenarioSpec;
  judge(result: ScenarioResult): SeedVerdict;
}
