import type { ScenarioResult } from '../engine-api.ts';
import type { SeedVerdict } from '../report.ts';
import { BRIEF_RETRAIN, TRAINING } from './common.ts';
import { judgeDrift } from './drift-judge.ts';
import type { LibraryScenario } from './scenario.ts';

const DRIFT_AT = 10;
const HORIZON = 170;
const SHADOW_MINUTES = 10;

/**
 * Harmful drift as in harmful-drift.ts, released through a shadow first (settings.retrain.release
 * "shadow-then-canary", jobs/retrain-shadow.ts): the retrain scores the champion's requests for
 * ten minutes serving none, its gates (decision agreement, error rate, p99 latency ratio) are
 * judged on that comparison, and only then does its canary start and (autoDecide) promote it.
 */
export const shadowRelease: LibraryScenario = {
  name: 'shadow-release',
  title: 'Harmful drift → retrain → shadow → canary → promotion',
  truth: 'the retrain is shadowed first, its gates pass, its canary starts after the shadow and it is promoted',
  horizonMinutes: HORIZON,
  spec: (seed) => ({
    name: 'shadow-release',
    seed,
    model: {
      settings: {
        // Near the traffic's CTR, so that "decisions agree" separates the two versions (at 0.5 every score says no).
        quality: { threshold: 0.025 },
        retrain: {
          ...BRIEF_RETRAIN,
          release: 'shadow-then-canary',
          shadow: { duration: `${SHADOW_MINUTES}m`, minPairs: 500, minAgreement: 0.8, maxErrorRate: 0.01, maxLatencyRatio: 3 },
        },
      },
    },
    horizonMinutes: HORIZON,
    versions: [{ version: 'v1', champion: true, description: 'champion', training: TRAINING }],
    traffic: { visitsPerMinute: 600, units: 30_000, candidates: 4 },
    injections: [{ kind: 'drift', at: DRIFT_AT, world: { priceFactor: 1.3, newMarketShare: 0.5 } }],
  }),
  judge: (result) => judgeShadowRelease(result),
};

/** The drift verdict, and correct only when the promoted retrain's canary came after a passed shadow of it. */
export function judgeShadowRelease(result: ScenarioResult): SeedVerdict {
  const drift = judgeDrift(result, { champion: 'v1', driftAt: DRIFT_AT, mustPromote: true });
  const events = result.timeline;
  const started = events.find((e) => e.kind === 'action' && e.action === 'shadow.start');
  const passed = events.find((e) => e.kind === 'action' && e.action === 'shadow.stop' && /release gates passed/.test(e.reason ?? ''));
  const canary = events.find((e) => e.kind === 'experiment' && e.change === 'started');
  const inOrder = started !== undefined && passed !== undefined && canary !== undefined && started.minute < passed.minute + 1 && passed.minute <= canary.minute;
  const shadowed = started && started.kind === 'action' ? started.target : null;
  const promoted = result.final.champion;
  const correct = drift.correct && inOrder && shadowed === promoted;
  const shadowNote = started
    ? `shadow of ${shadowed ?? '?'} from minute ${started.minute}${passed ? `, gates passed at ${passed.minute}` : ', gates never passed'}${canary ? `, canary at ${canary.minute}` : ''}`
    : 'no shadow started';
  return { ...drift, correct, summary: `${drift.summary}; ${shadowNote}` };
}
