import type { CandidateRegistry, CanaryExperiments } from './retrain-ports.ts';
import type { RetrainRun } from './retrain-run.ts';
import type { RetrainSettings } from './retrain-settings.ts';

/** What the canary step needs of the retrain that produced the challenger (the job, or a shadow release judged later). */
export interface CanaryFollowUp {
  model: string;
  jobId: string;
  reason: string | null;
  actor: string;
  canary: RetrainSettings['canary'];
  log(line: string): void;
  setResult(patch: Record<string, unknown>): Promise<void>;
}

export type CanaryStart = { started: true; experimentId: string; weight: number } | { started: false; reason: string };

export const followUpOf = (run: RetrainRun): CanaryFollowUp => ({
  model: run.model.name,
  jobId: run.ctx.job.id,
  reason: run.ctx.job.reason ?? null,
  actor: run.ctx.job.actor,
  canary: run.settings.canary,
  log: (line) => run.ctx.log(line),
  setResult: (patch) => run.ctx.setResult(patch),
});

/**
 * Step 5, onSuccess "canary": an experiment with the challenger on a small share of traffic,
 * with guardrails (settings.retrain.canary.guardrails; by default CTR, error rate, latency).
 * A breach makes the experiment recommend rollback; an alert about the challenger's version
 * stops it with the champion kept (actions/targeted-rollback.ts), as any experiment arm.
 * `champion` is the version the gate compared with; when another version became champion
 * while the retrain ran (another retrain's canary promoted it, a person), the challenger was
 * never compared with it, and a canary against the old champion would send half of the
 * traffic back to a replaced version: the challenger waits for a person instead.
 */
export function startCanary(
  run: RetrainRun,
  version: string,
  champion: string | undefined,
  ports: { experiments: CanaryExperiments; registry: Pick<CandidateRegistry, 'aliases'> },
): Promise<CanaryStart> {
  return startCanaryAfter(followUpOf(run), version, champion, ports);
}

/** startCanary for a follow-up that is not the running job (jobs/retrain-shadow.ts). */
export async function startCanaryAfter(
  f: CanaryFollowUp,
  version: string,
  champion: string | undefined,
  ports: { experiments: CanaryExperiments; registry: Pick<CandidateRegistry, 'aliases'> },
): Promise<CanaryStart> {
  const reason = f.reason;
  const not = async (why: string): Promise<CanaryStart> => {
    await f.setResult({ canary: { started: false, reason: why } });
    return { started: false, reason: why };
  };
  if (!champion) {
    f.log('onSuccess is "canary", but the model has no champion to compare with; the challenger waits');
    return not('no champion');
  }
  const current = (await ports.registry.aliases(f.model)).champion;
  if (current !== champion) {
    const changed = `the champion changed from ${champion} to ${current ?? 'none'} while this retrain ran; ${version} was validated against ${champion} only`;
    f.log(`canary not started: ${changed}; the challenger waits`);
    return not(changed);
  }
  const weight = f.canary.weight;
  try {
    const started = await ports.experiments.create(
      {
        model: f.model,
        arms: [
          { name: 'control', version: champion, weight: 100 - weight },
          { name: 'challenger', version, weight },
        ],
        primaryMetric: f.canary.primaryMetric,
        autoDecide: f.canary.autoDecide,
        guardrails: f.canary.guardrails,
        description: `Canary of ${version} after retrain job ${f.jobId}${reason ? `: ${reason}` : ''}`.slice(0, 2000),
      },
      { name: f.actor, role: 'editor' },
    );
    const id = started.experiment.id;
    const guards = f.canary.guardrails.map((g) => `${g.metric} (margin ${g.margin})`).join(', ') || 'none';
    f.log(`canary experiment started (${id}): ${weight}% of traffic to ${version}; guardrails ${guards}`);
    await f.setResult({ canary: { started: true, experimentId: id, weight } });
    return { started: true, experimentId: id, weight };
  } catch (error) {
    // The challenger is registered and valid; a canary that cannot start leaves it waiting.
    f.log(`canary experiment not started: ${(error as Error).message}; the challenger waits`);
    return not((error as Error).message);
  }
}
