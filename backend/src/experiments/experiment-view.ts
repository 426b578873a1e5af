/** The API shape of an experiment (docs/api.md): times as ISO strings, weights by arm name. */
import { BUCKET_COUNT, type Allocation } from '../serving/assignment.ts';
import type { Experiment, ExperimentArm, GuardrailSpec, StopDecision } from './experiment-store.ts';

export interface ExperimentView {
  id: string;
  model: string;
  status: Experiment['status'];
  primaryMetric: string;
  arms: ExperimentArm[];
  guardrails: GuardrailSpec[];
  metrics: string[];
  sequential: boolean;
  tuning: number | null;
  alpha: number;
  minSampleSize: number;
  maxSampleSize: number | null;
  minimumEffect: number | null;
  autoDecide: boolean;
  salt: string;
  allocation: { buckets: number; arms: { name: string; buckets: number; ranges: { start: number; end: number }[] }[] };
  weightHistory: { at: string; weights: Record<string, number> }[];
  description: string | null;
  createdBy: string;
  startedAt: string;
  stoppedAt: string | null;
  stoppedBy: string | null;
  decision: StopDecision | null;
  stopReason: string | null;
}

/** Arm name → weight (the arms' own, or `weights` in arm order). */
export const weightMap = (arms: readonly ExperimentArm[], weights?: readonly number[]): Record<string, number> =>
  Object.fromEntries(arms.map((a, i) => [a.name, weights?.[i] ?? a.weight]));

/** Weights are stored rounded, so that they print as given (0.5, not 0.49999999999999994). */
export const roundWeight = (x: number): number => Number(x.toPrecision(12));

export function toView(e: Experiment): ExperimentView {
  const s = e.settings;
  return {
    id: e.id,
    model: e.model,
    status: e.status,
    primaryMetric: e.primaryMetric,
    arms: e.arms,
    guardrails: s.guardrails,
    metrics: s.metrics,
    sequential: s.sequential,
    tuning: s.sequential ? s.tuning : null,
    alpha: s.alpha,
    minSampleSize: s.minSampleSize,
    maxSampleSize: s.maxSampleSize,
    minimumEffect: s.minimumEffect,
    autoDecide: s.autoDecide,
    salt: e.salt,
    allocation: allocationView(e.allocation),
    weightHistory: e.weightHistory.map((p) => ({ at: new Date(p.at).toISOString(), weights: weightMap(e.arms, p.weights) })),
    description: e.description,
    createdBy: e.createdBy,
    startedAt: new Date(e.startedAt).toISOString(),
    stoppedAt: e.stoppedAt === null ? null : new Date(e.stoppedAt).toISOString(),
    stoppedBy: e.stoppedBy,
    decision: e.decision,
    stopReason: e.stopReason,
  };
}

function allocationView(a: Allocation): ExperimentView['allocation'] {
  return {
    buckets: BUCKET_COUNT,
    arms: a.arms.map((arm) => ({ name: arm.name, buckets: arm.ranges.reduce((s, r) => s + r.end - r.start, 0), ranges: arm.ranges })),
  };
}
