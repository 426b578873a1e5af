import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Operation, ScenarioHooks, ScenarioSpec, TimelineEvent } from '../engine-api.ts';
import { runScenario } from '../engine.ts';
import type { SeedVerdict } from '../report.ts';
import type { LibraryScenario } from './scenario.ts';

/**
 * Minutes a run goes on after the service's first decision (a canary stopped, a promotion or
 * rollback by the service), so the KPIs after it can be measured; then, once no experiment runs
 * and no job is in flight, it ends: the verdicts only read the decision and what followed it.
 */
export const SETTLE_MINUTES = 10;

/** Promotions at minute 0 and at the minutes of the spec's own promote/canary operations are the operator's. */
function isServiceDecision(e: TimelineEvent, operatorMinutes: ReadonlySet<number>): boolean {
  if (e.kind === 'experiment') return e.change === 'stopped';
  if (e.kind === 'promotion' || e.kind === 'rollback') return !operatorMinutes.has(e.minute);
  return false;
}

export function settleHooks(spec: ScenarioSpec): ScenarioHooks {
  const operatorMinutes = new Set([0, ...(spec.operations ?? []).filter((o: Operation) => o.kind === 'promote' || o.kind === 'canary').map((o) => o.at)]);
  let decidedAt: number | null = null;
  let seen = 0;
  return {
    onMinute(view, control) {
      for (; decidedAt === null && seen < view.timeline.length; seen++) {
        const e = view.timeline[seen]!;
        if (isServiceDecision(e, operatorMinutes)) decidedAt = e.minute;
      }
      if (decidedAt !== null && view.minute >= decidedAt + SETTLE_MINUTES && view.runningExperiments.length === 0 && view.activeJobs === 0) control.finish();
    },
  };
}

/** The store of a run on tmpfs where there is one: the service's prediction log is written for real, and a disk's commits dominate a run. */
const dataRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** Runs one seed of one scenario and judges it; an engine failure is a seed that did nothing right, with its message. */
export async function runSeed(scenario: LibraryScenario, seed: number): Promise<{ verdict: SeedVerdict; wallMs: number }> {
  const started = performance.now();
  const dataDir = fs.mkdtempSync(path.join(dataRoot, `modelwatch-${scenario.name}-${seed}-`));
  try {
    const spec = scenario.spec(seed);
    const result = await runScenario(spec, { logLevel: 'warn', dataDir, hooks: settleHooks(spec) });
    return { verdict: scenario.judge(result), wallMs: result.wallMs };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return {
      verdict: { seed, correct: false, falsePromotion: false, falseRollback: false, decisionMinutes: null, kpiRecovered: null, summary: `the run failed: ${message.split('\n').slice(0, 3).join(' ')}` },
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
