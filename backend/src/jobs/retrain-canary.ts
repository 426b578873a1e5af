import type { CanaryExperiments } from './retrain-ports.ts';
import type { RetrainRun } from './retrain-run.ts';

/**
 * Step 5, onSuccess "canary": an experiment with the challenger on a small share of traffic,
 * with guardrails (settings.retrain.canary.guardrails; by default CTR, error rate, latency).
 * A breach makes the experiment recommend rollback; an alert about the challenger's version
 * stops it with the champion kept (actions/targeted-rollback.ts), as any experiment arm.
 */
export async function startCanary(run: RetrainRun, version: string, champion: string | undefined, experiments: CanaryExperiments): Promise<void> {
  const { ctx, model, settings } = run;
  const reason = ctx.job.reason;
  if (!champion) {
    ctx.log('onSuccess is "canary", but the model has no champion to compare with; the challenger waits');
    await ctx.setResult({ canary: { started: false, reason: 'no champion' } });
    return;
  }
  const weight = settings.canary.weight;
  try {
    const started = await experiments.create(
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
