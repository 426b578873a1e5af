import type { CandidateRegistry, CanaryExperiments } from './retrain-ports.ts';
import type { RetrainRun } from './retrain-run.ts';

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
export async function startCanary(
  run: RetrainRun,
  version: string,
  champion: string | undefined,
  ports: { experiments: CanaryExperiments; registry: Pick<CandidateRegistry, 'aliases'> },
): Promise<void> {
  const { ctx, model, settings } = run;
  const reason = ctx.job.reason;
  if (!champion) {
    ctx.log('onSuccess is "canary", but the model has no champion to compare with; the challenger waits');
    await ctx.setResult({ canary: { started: false, reason: 'no champion' } });
    return;
  }
  const current = (await ports.registry.aliases(model.name)).champion;
  if (current !== champion) {
    const changed = `the champion changed from ${champion} to ${current ?? 'none'} while this retrain ran; ${version} was validated against ${champion} only`;
    ctx.log(`canary not started: ${changed}; the challenger waits`);
    await ctx.setResult({ canary: { started: false, reason: changed } });
    return;
  }
  const weight = settings.canary.weight;
  try {
    const started = await ports.experiments.create(
      {
        model: model.name,
        arms: [
          { name: 'control', version: champion, weight: 100 - weight },
          { name: 'challenger', version, weight },
        ],
        primaryMetric: settings.canary.primaryMetric,
        autoDecide: settings.canary.autoDecide,
        guardrails: settings.canary.guardrails,
        description: `Canary of ${version} after retrain job ${ctx.job.id}${reason ? `: ${reason}` : ''}`.slice(0, 2000),
      },
      { name: ctx.job.actor, role: 'editor' },
    );
    const id = started.experiment.id;
    const guards = settings.canary.guardrails.map((g) => `${g.metric} (margin ${g.margin})`).join(', ') || 'none';
    ctx.log(`canary experiment started (${id}): ${weight}% of traffic to ${version}; guardrails ${guards}`);
    await ctx.setResult({ canary: { started: true, experimentId: id, weight } });
  } catch (error) {
    // The challenger is registered and valid; a canary that cannot start leaves it waiting.
    ctx.log(`canary experiment not started: ${(error as Error).message}; the challenger waits`);
    await ctx.setResult({ canary: { started: false, reason: (error as Error).message } });
  }
}
