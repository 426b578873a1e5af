/**
 * Turning raw reference/current value arrays into FeatureData: type inference, validation
 * (invalid values throw DomainError naming the feature and position), sorted samples, and
 * counts over bins/categories taken from the reference exactly as a profile would take them.
 */
import { DomainError } from '../../core/errors.ts';
import {
  binIndex,
  buildCategoricalProfile,
  numericSlot,
  quantileEdges,
  validateCategorical,
  presentNumbers,
} from '../profile.ts';
import type { CategoricalData, NumericData } from './compute.ts';
import type { FeatureType } from './defaults.ts';

/** Only numbers (null/undefined aside) → numeric; anything else ('' included), or nothing but null/undefined → categorical. */
export function inferFeatureType(reference: readonly unknown[], current: readonly unknown[]): FeatureType {
  let sawNumber = false;
  for (const values of [reference, current]) {
    for (const v of values) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number') return 'categorical';
      sawNumber = true;
    }
  }
  return sawNumber ? 'numeric' : 'categorical';
}

function sortedValid(feature: string, side: 'reference' | 'current', values: readonly unknown[]): { sorted: Float64Array; missing: number } {
  const { present, missing } = presentNumbers(feature, values, (i) => `${side}[${i}]`);
  return { sorted: present.sort(), missing };
}

function countInto(edges: readonly number[], sorted: Float64Array, missing: number): Float64Array {
  const counts = new Float64Array(edges.length + 2);
  for (let i = 0; i < sorted.length; i++) counts[numericSlot(edges, sorted[i] as number)]! += 1;
  counts[edges.length + 1] = missing;
  return counts;
}

export function prepareNumeric(feature: string, reference: readonly unknown[], current: readonly unknown[], bins: number): NumericData {
  const ref = sortedValid(feature, 'reference', reference);
  const cur = sortedValid(feature, 'current', current);
  const n = ref.sorted.length;
  if (n === 0) throw new DomainError('invalid_argument', `feature '${feature}': reference has no numeric values`);
  let s = 0;
  for (let i = 0; i < n; i++) s += ref.sorted[i] as number;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((ref.sorted[i] as number) - mean) ** 2;
  const edges = quantileEdges(ref.sorted, bins);
  return {
    type: 'numeric',
    edges,
    refCounts: countInto(edges, ref.sorted, ref.missing),
    curCounts: countInto(edges, cur.sorted, cur.missing),
    refMean: mean,
    refStd: Math.sqrt(ss / n),
    refSorted: ref.sorted,
    curSorted: cur.sorted,
  };
}

export function prepareCategorical(feature: string, reference: readonly unknown[], current: readonly unknown[], maxCategories: number): CategoricalData {
  const profile = buildCategoricalProfile(feature, reference, { maxCategories, sampleSize: 1 }, (i) => `reference[${i}]`);
  const curCounts = new Float64Array(profile.counts.length);
  for (let i = 0; i < current.length; i++) {
    const v = current[i];
    const problem = validateCategorical(v);
    if (problem !== null) throw new DomainError('invalid_argument', `feature '${feature}', current[${i}]: ${problem}`);
    curCounts[binIndex(profile, v)]! += 1;
  }
  return { type: 'categorical', refCounts: profile.counts, curCounts };
}
