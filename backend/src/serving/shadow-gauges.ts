import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { snapshotGauges } from '../core/snapshot-gauges.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { ShadowComparison } from './shadow-comparison.ts';
import type { ShadowRecord } from './shadow-store.ts';

/** How far back the exported comparison looks (the run since start can be days). */
export const SHADOW_GAUGE_WINDOW_MS = 15 * 60_000;

interface Snapshot {
  shadows: Array<{ record: ShadowRecord; comparison: ShadowComparison }>;
}

export interface ShadowGaugeSource {
  running(): Promise<ShadowRecord[]>;
  compare(shadow: ShadowRecord, range: { from?: number; to?: number }): Promise<ShadowComparison>;
}

/**
 * The running shadows' comparison over the last 15 minutes, as gauges labelled by model (one
 * shadow per model: bounded by the models; modelwatch_shadow_info names the versions).
 */
export function registerShadowGauges(prometheus: Registry, source: ShadowGaugeSource, o: { now: () => number; ttlMs: number; logger: Logger }): void {
  const cache = new TtlCache<Snapshot>({
    onError: (error) => {
      o.logger.warn({ err: error }, 'shadow comparison for the metrics export failed');
      return { shadows: [] };
    },
  });
  const snapshot = (): Promise<Snapshot> =>
    cache.get(o.ttlMs, async () => {
      const now = o.now();
      const shadows: Snapshot['shadows'] = [];
      for (const record of await source.running()) {
        shadows.push({ record, comparison: await source.compare(record, { from: Math.max(record.startedAt, now - SHADOW_GAUGE_WINDOW_MS), to: now }) });
      }
      return { shadows };
    });
  const gauge = snapshotGauges(prometheus, snapshot);
  const each = (s: Snapshot, pick: (c: ShadowComparison) => number | null, set: (model: string, v: number) => void) => {
    for (const { record, comparison } of s.shadows) {
      const v = pick(comparison);
      if (v !== null) set(record.model, v);
    }
  };
  gauge('modelwatch_shadow_info', '1 per running shadow: the version shadowed and the champion it is compared with.', ['model', 'version', 'champion'], (g, s) => {
    for (const { record } of s.shadows) g.set({ model: record.model, version: record.version, champion: record.champion }, 1);
  });
  gauge('modelwatch_shadow_decision_agreement', 'Share of champion/shadow pairs whose decisions agree at the decision threshold, last 15 minutes.', ['model'], (g, s) =>
    each(s, (c) => c.decisionAgreement, (model, v) => g.set({ model }, v)),
  );
  gauge('modelwatch_shadow_mean_abs_diff', 'Mean |shadow score − champion score| over the pairs of the last 15 minutes.', ['model'], (g, s) => each(s, (c) => c.meanAbsDiff, (model, v) => g.set({ model }, v)));
  gauge('modelwatch_shadow_score_psi', "PSI of the shadow's score histogram against the champion's, last 15 minutes.", ['model'], (g, s) => each(s, (c) => c.scoreDrift?.psi ?? null, (model, v) => g.set({ model }, v)));
  gauge('modelwatch_shadow_error_rate', "The shadow's error rate (failed or non-finite scores / shadow predictions), last 15 minutes.", ['model'], (g, s) =>
    each(s, (c) => c.shadow.errorRate, (model, v) => g.set({ model }, v)),
  );
  gauge('modelwatch_shadow_latency_p99_seconds', 'p99 scoring latency of the shadow and of the champion (arm), last 15 minutes.', ['model', 'arm'], (g, s) => {
    for (const { record, comparison } of s.shadows) {
      if (comparison.shadow.latencyP99 !== null) g.set({ model: record.model, arm: 'shadow' }, comparison.shadow.latencyP99 / 1000);
      if (comparison.champion.latencyP99 !== null) g.set({ model: record.model, arm: 'champion' }, comparison.champion.latencyP99 / 1000);
    }
  });
}
