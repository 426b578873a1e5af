/**
 * Prometheus gauges of the running experiments (names fixed by docs/dev/INTERFACES.md).
 * Computed on scrape from the experiments' results, cached by the service (one computation
 * per TTL however many scrapers), for running experiments only (at most 50).
 *
 * Per treatment arm and reported metric: p-value (always-valid when sequential), relative
 * lift (absent when the control mean is 0), chance to win; per experiment: SRM p-value and
 * the recommendation (1 for the current one, 0 for the others).
 */
import { Gauge, type Registry } from 'prom-client';
import type { ExperimentResults } from './results.ts';

export interface ExperimentSnapshot {
  experiments: { id: string; model: string; results: ExperimentResults }[];
}

export const RECOMMENDATIONS = ['promote', 'rollback', 'keep_running', 'inconclusive'] as const;

export function registerExperimentGauges(registry: Registry, snapshot: () => Promise<ExperimentSnapshot>): void {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: ExperimentSnapshot) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });

  const perArm = (s: ExperimentSnapshot, each: (labels: Record<'experiment' | 'model' | 'metric' | 'arm', string>, c: NonNullable<ExperimentResults['metrics'][number]['arms'][number]['comparison']>) => void) => {
    for (const e of s.experiments) {
      for (const m of e.results.metrics) {
        for (const a of m.arms) {
          if (a.comparison) each({ experiment: e.id, model: e.model, metric: m.metric, arm: a.arm }, a.comparison);
        }
      }
    }
  };
  const labels = ['experiment', 'model', 'metric', 'arm'] as const;
  gauge('modelwatch_experiment_p_value', 'Experiment p-value per metric and treatment arm vs the control (always-valid when sequential).', labels, (g, s) =>
    perArm(s, (l, c) => g.set(l, c.pValue)),
  );
  gauge('modelwatch_experiment_lift', 'Relative lift (treatment / control − 1) per metric and treatment arm.', labels, (g, s) =>
    perArm(s, (l, c) => {
      if (c.relative) g.set(l, c.relative.effect);
    }),
  );
  gauge('modelwatch_experiment_chance_to_win', 'Bayesian chance that the treatment arm beats the control on the metric.', labels, (g, s) =>
    perArm(s, (l, c) => g.set(l, c.chanceToWin)),
  );
  gauge('modelwatch_experiment_srm_p_value', 'Sample-ratio-mismatch p-value (requests per arm vs the weights); alert below 0.001.', ['experiment', 'model'], (g, s) => {
    for (const e of s.experiments) g.set({ experiment: e.id, model: e.model }, e.results.srm.pValue);
  });
  gauge('modelwatch_experiment_decision', '1 for the current recommendation of the experiment (promote, rollback, keep_running, inconclusive).', ['experiment', 'model', 'decision'], (g, s) => {
    for (const e of s.experiments) {
      for (const d of RECOMMENDATIONS) g.set({ experiment: e.id, model: e.model, decision: d }, e.results.decision.recommendation === d ? 1 : 0);
    }
  });
}
