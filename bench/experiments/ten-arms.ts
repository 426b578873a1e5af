/**
 * The experiment the results benchmarks read (bench/experiments/run.ts, bench/ab/unit-read.ts):
 * a model with versions v1…v10, one 10-arm experiment (arm0…arm9, equal weights) with CTR
 * primary, latency and error-rate guardrails and every catalogue metric; and a results query
 * that reads everything fresh (no closed-hours cache), beside the service's own.
 */
import { systemActor } from '../../backend/src/auth/roles.ts';
import type { Clock } from '../../backend/src/core/clock.ts';
import { ClosedTotalsCache } from '../../backend/src/experiments/closed-totals-cache.ts';
import { ExperimentResultsQuery } from '../../backend/src/experiments/experiment-results.ts';
import { ExperimentStore } from '../../backend/src/experiments/experiment-store.ts';
import { METRIC_NAMES } from '../../backend/src/experiments/metric-catalog.ts';
import { ReadExperiments } from '../../backend/src/experiments/read-experiments.ts';
import type { AppContext } from '../../backend/src/http/app-context.ts';
import { logisticRegressionOnnx } from '../../backend/src/testing/onnx-fixtures.ts';

export const ARMS = 10;

export async function createTenArmExperiment(ctx: AppContext, model: string, features: readonly string[]) {
  await ctx.models.create({ name: model, task: 'binary_classification', features: features.map((name) => ({ name, type: 'numeric' })) } as never, systemActor);
  for (let i = 0; i < ARMS; i++) {
    const weights = features.map((_, k) => (k === 0 ? 0.1 + i / 100 : 0));
    await ctx.registry.register(model, { version: `v${i + 1}`, artifact: logisticRegressionOnnx({ weights }) } as never, systemActor);
  }
  const { experiment } = await ctx.experiments.create(
    {
      model,
      arms: Array.from({ length: ARMS }, (_, i) => ({ name: `arm${i}`, version: `v${i + 1}`, weight: 1 })),
      primaryMetric: 'ctr',
      guardrails: [
        { metric: 'latency', margin: 0.05 },
        { metric: 'error_rate', margin: 0.01 },
      ],
      metrics: [...METRIC_NAMES],
    },
    systemActor,
  );
  return experiment;
}

/** Results with every read fresh (closedTotalsTtlMs 0). */
export function uncachedResults(ctx: AppContext, clock: Clock): ExperimentResultsQuery {
  return new ExperimentResultsQuery({
    experiments: new ReadExperiments(new ExperimentStore(ctx.store)),
    monitor: ctx.monitor,
    closedTotals: new ClosedTotalsCache(0),
    clock,
  });
}
