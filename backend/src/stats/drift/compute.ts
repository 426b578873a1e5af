/**
 * One drift method on one feature's prepared data. Numeric data carries its layout's counts
 * and, when raw values are known, both sorted samples: ks and wasserstein then use the raw
 * values (exact), otherwise the histograms (binned).
 */
import { chiSquareHomogeneity } from './chi-square.ts';
import type { DriftMethod } from './defaults.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { ksBinned, ksTwoSampleSorted } from './ks.ts';
import { psi } from './psi.ts';
import { wassersteinBinned, wassersteinScale, wassersteinSorted } from './wasserstein.ts';

export interface NumericData {
  type: 'numeric';
  edges: readonly number[];
  /** Layout counts [below, bins..., above, missing]. */
  refCounts: ArrayLike<number>;
  curCounts: ArrayLike<number>;
  refMean: number;
  refStd: number;
  refSorted?: Float64Array;
  curSorted?: Float64Array;
}

export interface CategoricalData {
  type: 'categorical';
  refCounts: ArrayLike<number>;
  curCounts: ArrayLike<number>;
}

export type FeatureData = NumericData | CategoricalData;

export interface RawResult {
  score: number;
  pValue?: number;
  distance?: number;
  insufficientData: boolean;
}

function sum(counts: ArrayLike<number>, end = counts.length): number {
  let s = 0;
  for (let i = 0; i < end; i++) s += counts[i] as number;
  return s;
}

/** Sizes compared: non-missing for numeric, all slots for categorical. */
export function sampleSizes(data: FeatureData): { reference: number; current: number } {
  if (data.type === 'numeric') {
    const end = data.refCounts.length - 1;
    return { reference: sum(data.refCounts, end), current: sum(data.curCounts, end) };
  }
  return { reference: sum(data.refCounts), current: sum(data.curCounts) };
}

const insufficient = (pValue: boolean): RawResult =>
  pValue ? { score: 0, pValue: 1, insufficientData: true } : { score: 0, insufficientData: true };

export function computeMethod(method: DriftMethod, data: FeatureData): RawResult {
  if (method === 'psi' || method === 'jensen_shannon' || method === 'chi_square') {
    if (sum(data.refCounts) <= 0 || sum(data.curCounts) <= 0) return insufficient(method === 'chi_square');
    if (method === 'psi') return { score: psi(data.refCounts, data.curCounts), insufficientData: false };
    if (method === 'jensen_shannon') return { score: jensenShannonDistance(data.refCounts, data.curCounts), insufficientData: false };
    const chi = chiSquareHomogeneity(data.refCounts, data.curCounts);
    return { score: chi.statistic, pValue: chi.pValue, insufficientData: false };
  }
  if (data.type !== 'numeric') throw new Error(`${method} needs a numeric feature`);
  const n = sampleSizes(data);
  if (n.reference <= 0 || n.current <= 0) return insufficient(method === 'ks');
  const raw = data.refSorted !== undefined && data.curSorted !== undefined;
  if (method === 'ks') {
    const r = raw ? ksTwoSampleSorted(data.refSorted!, data.curSorted!) : ksBinned(data.refCounts, data.curCounts);
    return { score: r.statistic, pValue: r.pValue, insufficientData: false };
  }
  const distance = raw
    ? wassersteinSorted(data.refSorted!, data.curSorted!)
    : wassersteinBinned(data.edges, data.refCounts, data.curCounts);
  return { score: distance / wassersteinScale(data.refStd, data.refMean), distance, insufficientData: false };
}
