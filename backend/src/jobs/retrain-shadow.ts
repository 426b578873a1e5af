/**
 * settings.retrain.release "shadow-then-canary" (docs/jobs.md): a challenger that passed the
 * validation gate is first shadowed (serving/shadow-service.ts: it scores the champion's
 * requests, serves none) for `shadow.duration`; then the release loop judges the shadow's
 * comparison with the champion against the gates, and starts the canary (retrain-canary.ts) if
 * they pass, else stops the shadow with the reasons recorded (the shadow's outcome, the audit log).
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { ShadowComparison } from '../serving/shadow-comparison.ts';
import type { ShadowRecord } from '../serving/shadow-store.ts';
import type { Leases } from '../store/leases.ts';
import { startCanaryAfter, type CanaryStart } from './retrain-canary.ts';
import type { CandidateRegistry, CanaryExperiments, ModelLookup } from './retrain-ports.ts';
import type { RetrainRun } from './retrain-run.ts';
import { retrainSettingsOf, type RetrainSettings } from './retrain-settings.ts';

export type ShadowGates = RetrainSettings['shadow'];

/** The shadow service, as far as a release uses it. */
export interface ReleaseShadows {
  start(model: string, input: { version: string; reason?: string; release?: Record<string, unknown> }, actor: string): Promise<{ shadow: { id: string } | null }>;
  running(): Promise<ShadowRecord[]>;
  compare(shadow: ShadowRecord, range?: { from?: number; to?: number }): Promise<ShadowComparison>;
  stop(model: string, reason: string | undefined, actor: string, outcome?: Record<string, unknown>): Promise<unknown>;
}

/** What a retrain stores with its shadow: who asked, what it was validated against, when and how to judge. */
const releasePlanSchema = z.object({
  kind: z.literal('retrain'),
  jobId: z.string(),
  jobReason: z.string().nullable(),
  actor: z.string(),
  champion: z.string(),
  judgeAt: z.number(),
  gates: z.object({ duration: z.number(), minPairs: z.number(), minAgreement: z.number(), maxErrorRate: z.number(), maxLatencyRatio: z.number() }),
});
export type ReleasePlan = z.output<typeof releasePlanSchema>;

/** After the gate, with release "shadow-then-canary": the challenger shadows the champion it was validated against. */
export async function startShadowRelease(
  run: RetrainRun,
  version: string,
  champion: string | undefined,
  ports: { shadows: Pick<ReleaseShadows, 'start'>; registry: Pick<CandidateRegistry, 'aliases'>; clock: Clock },
): Promise<void> {
  const { ctx, model, settings } = run;
  const not = async (why: string) => {
    ctx.log(`shadow not started: ${why}; the challenger waits`);
    await ctx.setResult({ shadow: { started: false, reason: why } });
  };
  if (!champion) return not('the model has no champion for a shadow to score beside');
  const current = (await ports.registry.aliases(model.name)).champion;
  if (current !== champion) return not(`the champion changed from ${champion} to ${current ?? 'none'} while this retrain ran; ${version} was validated against ${champion} only`);
  const gates = settings.shadow;
  const plan: ReleasePlan = { kind: 'retrain', jobId: ctx.job.id, jobReason: ctx.job.reason ?? null, actor: ctx.job.actor, champion, judgeAt: ports.clock.now() + gates.duration, gates };
  try {
    const started = await ports.shadows.start(model.name, { version, reason: `retrain job ${ctx.job.id}: shadow before the canary`, release: plan }, ctx.job.actor);
    ctx.log(
      `shadow started: ${version} scores ${champion}'s requests for ${Math.round(gates.duration / 60_000)} min; then a canary if decision agreement ≥ ${gates.minAgreement}, error rate ≤ ${gates.maxErrorRate}, p99 latency ≤ ${gates.maxLatencyRatio}× the champion's (at least ${gates.minPairs} pairs)`,
    );
    await ctx.setResult({ shadow: { started: true, id: started.shadow?.id ?? null, judgeAt: plan.judgeAt } });
  } catch (error) {
    await not((error as Error).message);
  }
}

/** The gates of a shadow release over its comparison: passed, or the reasons it failed. */
export function judgeShadow(c: ShadowComparison, gates: ShadowGates): { passed: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  if (c.pairs < gates.minPairs) reasons.push(`only ${c.pairs} champion/shadow pairs, at least ${gates.minPairs} needed`);
  else if (c.decisionAgreement === null || c.decisionAgreement < gates.minAgreement) reasons.push(`decision agreement ${pct(c.decisionAgreement ?? 0)} < ${pct(gates.minAgreement)}`);
  if (c.shadow.errorRate !== null && c.shadow.errorRate > gates.maxErrorRate) reasons.push(`shadow error rate ${pct(c.shadow.errorRate)} > ${pct(gates.maxErrorRate)}`);
  if (c.latencyRatio !== null && c.latencyRatio > gates.maxLatencyRatio) reasons.push(`shadow p99 latency ${c.latencyRatio.toFixed(2)}× the champion's > ${gates.maxLatencyRatio}×`);
  return { passed: reasons.length === 0, reasons };
}

/** The figures the gates read, for the stop reason (the audit log, the scenario timeline). */
const describeFigures = (c: ShadowComparison): string =>
  [
    `${c.pairs} pairs`,
    `decision agreement ${c.decisionAgreement === null ? 'n/a' : `${(c.decisionAgreement * 100).toFixed(1)} %`}`,
    `mean |diff| ${c.meanAbsDiff === null ? 'n/a' : c.meanAbsDiff.toFixed(4)}`,
    `score PSI ${c.scoreDrift ? c.scoreDrift.psi.toFixed(3) : 'n/a'}`,
    `error rate ${c.shadow.errorRate === null ? 'n/a' : `${(c.shadow.errorRate * 100).toFixed(2)} %`}`,
    `p99 latency ${c.latencyRatio === null ? 'n/a' : `${c.latencyRatio.toFixed(2)}×`} the champion's`,
  ].join(', ');

const summary = (c: ShadowComparison) => ({
  pairs: c.pairs,
  decisionAgreement: c.decisionAgreement,
  meanAbsDiff: c.meanAbsDiff,
  scorePsi: c.scoreDrift?.psi ?? null,
  errorRate: c.shadow.errorRate,
  latencyRatio: c.latencyRatio,
});

export interface ShadowReleasesDeps {
  shadows: ReleaseShadows;
  experiments: CanaryExperiments;
  registry: Pick<CandidateRegistry, 'aliases'>;
  models: ModelLookup;
  clock: Clock;
  logger: Logger;
  /** The judging runs on one replica at a time (the `shadow-releases` lease). */
  leases: Leases;
}

/** The release loop: judges the retrain shadows that are due, then canary or stop. */
export class ShadowReleases {
  private readonly deps: ShadowReleasesDeps;
  private loop: { close(): Promise<void> } | undefined;

  constructor(deps: ShadowReleasesDeps) {
    this.deps = deps;
  }

  /** Checks every `intervalMs` (0: never; the caller runs tick(), compose/server.ts createSteppedContext). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.loop = this.deps.leases.every('shadow-releases', intervalMs, async () => {
      await this.tick();
    });
  }

  async close(): Promise<void> {
    await this.loop?.close();
  }

  /** Judges each running retrain shadow whose time is up; answers what it decided per model. */
  async tick(): Promise<Array<{ model: string; version: string; passed: boolean; reasons: string[]; canary?: CanaryStart }>> {
    const { shadows, logger, clock } = this.deps;
    const now = clock.now();
    const decided = [];
    for (const record of await shadows.running()) {
      const parsed = releasePlanSchema.safeParse(record.release);
      if (!parsed.success || now < parsed.data.judgeAt) continue;
      const plan = parsed.data;
      try {
        const comparison = await shadows.compare(record, { from: record.startedAt, to: now });
        const verdict = judgeShadow(comparison, plan.gates);
        const figures = summary(comparison);
        if (!verdict.passed) {
          await shadows.stop(record.model, `release gates failed: ${verdict.reasons.join('; ')} (${describeFigures(comparison)})`, plan.actor, { passed: false, reasons: verdict.reasons, comparison: figures });
          logger.info({ model: record.model, version: record.version, reasons: verdict.reasons }, 'shadow release: gates failed, no canary');
          decided.push({ model: record.model, version: record.version, ...verdict });
          continue;
        }
        const model = await this.deps.models.get(record.model);
        const canary = await startCanaryAfter(
          {
            model: record.model,
            jobId: plan.jobId,
            reason: plan.jobReason,
            actor: plan.actor,
            canary: retrainSettingsOf(model.settings).canary,
            log: (line) => logger.info({ model: record.model, job: plan.jobId }, `shadow release: ${line}`),
            setResult: async () => undefined,
          },
          record.version,
          plan.champion,
          this.deps,
        );
        const passed = `release gates passed (${describeFigures(comparison)})`;
        const why = canary.started ? `${passed}; canary ${canary.experimentId} started` : `${passed}; canary not started: ${canary.reason}`;
        await shadows.stop(record.model, why, plan.actor, { passed: true, reasons: [], comparison: figures, canary });
        decided.push({ model: record.model, version: record.version, ...verdict, canary });
      } catch (error) {
        logger.warn({ err: error, model: record.model }, 'shadow release: judging failed; tried again on the next pass');
      }
    }
    return decided;
  }
}
