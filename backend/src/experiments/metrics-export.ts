/**
 * Prometheus gauges of the running experiments (names fixed by docs/metrics.md). Computed on
 * scrape from the experiments' results, one computation per TTL however many scrapers, for
 * running experiments only (at most 50).
 *
 * Per treatment arm and reported metric: p-value (always-valid when sequential), relative
 * lift (absent when the control mean is 0), chance to win; per experiment: SRM p-value and
 * the recommendation (1 for the current one, 0 for the others).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { snapshotGauges } from '../core/snapshot-gauges.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { Experiment } from './experiment-store.ts';
import type { ExperimentResults } from './results.ts';

const EXPORT_LIMIT = 50;

export interface ExperimentSnapshot {
  experiments: { id: string; model: string; results: ExperimentResults }[];
}

export interface ExperimentSnapshotDeps {
  running(): Promise<Experiment[]>;
  results(e: Experiment): Promise<ExperimentResults>;
  logger: Logger;
}

/** The gauges' input: the running experiments' results, cached for ttlMs (0: every scrape computes). */
export class ExperimentSnapshots {
  private readonly deps: ExperimentSnapshotDeps;
  private readonly ttlMs: number;
  private readonly cache: TtlCache<ExperimentSnapshot>;
  private changed = false;

  constructor(deps: ExperimentSnapshotDeps, ttlMs: number) {
    this.deps = deps;
    this.ttlMs = ttlMs;
    this.cache = new TtlCache<ExperimentSnapshot>({
      onError: (error) => {
        deps.logger.error({ err: error }, 'experiments: metrics snapshot failed');
        return { experiments: [] };
      },
    });
  }

  snapshot(): Promise<ExperimentSnapshot> {
    // After a change made here the next scrape shows it (a TTL of 0 computes afresh).
    const ttl = this.changed ? 0 : this.ttlMs;
    this.changed = false;
    return this.cache.get(ttl, () => this.compute());
  }

  /** An experiment was created, ramped or stopped here. */
  invalidate(): void {
    this.changed = true;
  }

  private async compute(): Promise<ExperimentSnapshot> {
    const running = (await this.deps.running()).slice(0, EXPORT_LIMIT);
    const experiments: ExperimentSnapshot['experiments'] = [];
    for (const e of running) {
      try {
        experiments.push({ id: e.id, model: e.model, results: await this.deps.results(e) });
      } catch (error) {
        this.deps.logger.warn({ err: error, experiment: e.id }, 'experiments: results for the metrics export failed');
      }
    }
    return { experiments };
  }
}

export const RECOMMENDATIONS = ['promote', 'rollback', 'keep_running', 'inconclusive'] as const;

export function registerExperimentGauges(prometheus: Registry, snapshot: () => Promise<ExperimentSnapshot>): void {
  const gauge = snapshotGauges(prometheus, snapshot);

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
  gauge('modelwatch_experiment_srm_p_value', 'Sample-ratio-mismatch p-value, as the results: distinct units per arm vs the weights (impressions or requests without unitId); alert below 0.001.', ['experiment', 'model'], (g, s) => {
    for (const e of s.experiments) g.set({ experiment: e.id, model: e.model }, e.results.srm.pValue);
  });
  gauge('modelwatch_experiment_decision', '1 for the current recommendation of the experiment (promote, rollback, keep_running, inconclusive).', ['experiment', 'model', 'decision'], (g, s) => {
    for (const e of s.experiments) {
      for (const d of RECOMMENDATIONS) g.set({ experiment: e.id, model: e.model, decision: d }, e.results.decision.recommendation === d ? 1 : 0);
    }
  });
}
