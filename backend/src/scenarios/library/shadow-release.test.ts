/**
 * The shadow-release scenario on a fixed seed, through the real service on the engine: the
 * retrain is shadowed before its canary, the gates pass on the shadow's comparison, and the
 * canary promotes it (docs/scenarios.md has the rate over many seeds).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed } from './run-seed.ts';
import type { LibraryScenario } from './scenario.ts';
import { shadowRelease } from './shadow-release.ts';

// Seed 1 promotes at minute 60: the first 62 minutes hold the whole story.
const short: LibraryScenario = { ...shadowRelease, horizonMinutes: 62, spec: (seed) => ({ ...shadowRelease.spec(seed), horizonMinutes: 62 }) };

test('shadow release (seed 1): retrain → shadow → gates passed → canary → promotion of the retrain', async () => {
  const { verdict } = await runSeed(short, 1);
  assert.ok(verdict.correct, verdict.summary);
  assert.match(verdict.summary, /shadow of v2 from minute \d+, gates passed at \d+, canary at \d+/);
  assert.match(verdict.summary, /final champion v2/);
});
