import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScenarioSpec } from './engine-api.ts';
import { runScenario, serializeResult } from './engine.ts';

/** Short on purpose: two versions, an experiment between them, a latency and an error injection. */
const spec = (seed: number): ScenarioSpec => ({
  name: 'determinism',
  seed,
  horizonMinutes: 5,
  versions: [
    { version: 'v1', champion: true, training: { rows: 4000 } },
    { version: 'v2', training: { rows: 4000, seed: 2 } },
  ],
  model: {},
  traffic: { visitsPerMinute: 150, units: 400, candidates: 4 },
  injections: [
    { kind: 'latency', at: 2, version: 'v2', addMs: 40, share: 0.5 },
    { kind: 'errors', at: 3, version: 'v2', rate: 0.2 },
  ],
  operations: [
    {
      kind: 'experiment',
      at: 1,
      experiment: { arms: [{ name: 'control', version: '$champion', weight: 50 }, { name: 'treatment', version: 'v2', weight: 50 }], primaryMetric: 'ctr' },
    },
  ],
});

test('the same seed gives the same timeline and figures byte for byte; another seed another run', async () => {
  const first = await runScenario(spec(11));
  const again = await runScenario(spec(11));
  const other = await runScenario(spec(12));
  assert.equal(first.minutesRun, 5);
  assert.ok(first.timeline.some((e) => e.kind === 'experiment' && e.change === 'started'), 'the experiment started');
  assert.ok(first.minutes.some((m) => (m.versions.v2?.visits ?? 0) > 0 && (m.versions.v1?.visits ?? 0) > 0), 'both arms served');
  assert.ok((first.minutes[4]!.versions.v2?.errors ?? 0) > 0, 'the error injection shows');
  assert.equal(serializeResult(again), serializeResult(first));
  assert.notEqual(serializeResult(other), serializeResult(first));
});

test('a canary ramp splits the same units for the same seed (its hash salt is not random per action)', async () => {
  const ramp = (): ScenarioSpec => ({
    name: 'ramp-determinism',
    seed: 5,
    horizonMinutes: 4,
    versions: [
      { version: 'v1', champion: true, training: { rows: 4000 } },
      { version: 'v2', training: { rows: 4000, seed: 2 } },
    ],
    model: {},
    traffic: { visitsPerMinute: 150, units: 400, candidates: 2 },
    injections: [],
    operations: [{ kind: 'canary', at: 1, version: 'v2', steps: [30, 100], stepMinutes: 10 }],
  });
  const first = await runScenario(ramp());
  const again = await runScenario(ramp());
  assert.ok(first.minutes.some((m) => (m.versions.v2?.visits ?? 0) > 0), 'the canary served');
  assert.equal(serializeResult(again), serializeResult(first));
});
