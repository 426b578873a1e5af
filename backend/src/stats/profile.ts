/**
 * Building reference profiles from rows, and mapping values to histogram slots.
 *
 * Layouts are those of profile-types.ts. Choices made here:
 * - Numeric bins: edges are the reference quantiles at 0, 1/B, ..., 1 (numpy's default
 *   'linear' interpolation, so edges[0] = min and edges[B] = max), de-duplicated so heavy
 *   ties collapse bins instead of making empty ones. All values identical (or one value):
 *   edges = [v, v], a single closed bin. Reference counts in `below`/`above` are therefore 0.
 * - `total` = number of rows seen for the feature, missing included (= sum of counts).
 * - `std` is the population standard deviation (ddof = 0); `mean`/`std`/`min`/`max` are
 *   over non-missing values.
 * - Categorical: the `maxCategories` most frequent values (ties broken by code-unit order,
 *   so the result does not depend on row order) are the categories; rarer ones are counted
 *   in the `unseen` slot, as unknown values will be at ingest.
 * - Missing: null/undefined for numeric; null/undefined/'' for categorical.
 * - Samples: uniform reservoir (Algorithm R) of non-missing values with a
 *   seeded PRNG (random.ts), so the same rows always give the same profile.
 */
import { DomainError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import type {
  CategoricalFeatureProfile,
  FeatureProfile,
  NumericFeatureProfile,
  ReferenceProfile,
} from '../core/profile-types.ts';

export interface FeatureDeclaration {
  name: string;
  type: 'numeric' | 'categorical';
}

export interface ProfileOptions {
  /** Numeric quantile bins before de-duplication (default 10). */
  bins?: number;
  /** Categories kept per categorical feature (default 50). */
  maxCategories?: number;
  /** Reservoir size per feature (default 1000). */
  sampleSize?: number;
  /** PRNG seed for the reservoir (default 0x5eed). */
  seed?: number;
  source?: ReferenceProfile['source'];
  /** RFC 3339 time stamp (default: now). */
  createdAt?: string;
}

export const PROFILE_DEFAULTS = { bins: 10, maxCategories: 50, sampleSize: 1000, seed: 0x5eed } as const;

/** Names a value's position in error messages, e.g. `row 3` or `reference.age[3]`. */
export type Locator = (index: number) => string;

const rowLocator: Locator = (i) => `row ${i}`;

// ---------------------------------------------------------------- validation

/** Missing for a numeric feature: null or undefined. */
export const isMissingNumeric = (value: unknown): boolean => value === null || value === undefined;

/** Missing for a categorical feature: null, undefined or ''. */
export const isMissingCategorical = (value: unknown): boolean => value === null || value === undefined || value === '';

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/**
 * Why `value` is not acceptable for a numeric feature, or null when it is (a finite number,
 * or missing). NaN, ±Infinity, strings (even numeric-looking ones), booleans and objects
 * are refused; ingest rejects the record with this reason.
 */
export function validateNumeric(value: unknown): string | null {
  if (isMissingNumeric(value)) return null;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return null;
    return Number.isNaN(value) ? 'NaN is not a valid numeric value' : `${value > 0 ? '' : '-'}Infinity is not a valid numeric value`;
  }
  return `expected a finite number, got ${describe(value)}`;
}

/** Why `value` is not acceptable for a categorical feature (strings, finite numbers, booleans), or null. */
export function validateCategorical(value: unknown): string | null {
  if (isMissingCategorical(value)) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${String(value)} is not a valid category`;
  return `expected a string, number or boolean, got ${describe(value)}`;
}

/** The category string for a valid non-missing categorical value. */
export const categoryKey = (value: string | number | boolean): string => (typeof value === 'string' ? value : String(value));

// ---------------------------------------------------------------- layouts and slots

/** Number of slots in a feature's histogram layout. */
export function layoutLength(feature: FeatureProfile): number {
  return feature.type === 'numeric' ? feature.edges.length + 2 : feature.categories.length + 2;
}

/** Zeroed counts in the feature's layout. */
export const emptyCounts = (feature: FeatureProfile): number[] => new Array<number>(layoutLength(feature)).fill(0);

/**
 * Slot of a finite number in a numeric layout with edges e[0..k]: 0 below e[0], j for
 * [e[j-1], e[j]) (the last bin closed on the right), k + 1 above e[k]. Binary search, no
 * allocations. Edges must be non-decreasing and non-empty.
 */
export function numericSlot(edges: ArrayLike<number>, x: number): number {
  const k = edges.length - 1;
  if (x < (edges[0] as number)) return 0;
  if (x > (edges[k] as number)) return k + 1;
  let lo = 0;
  let hi = k;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

const categoryIndexCache = new WeakMap<CategoricalFeatureProfile, Map<string, number>>();

/** Category → index, built once per (immutable) profile feature. */
function categoryIndex(feature: CategoricalFeatureProfile): Map<string, number> {
  let index = categoryIndexCache.get(feature);
  if (!index) {
    index = new Map(feature.categories.map((c, i) => [c, i]));
    categoryIndexCache.set(feature, index);
  }
  return index;
}

/**
 * Histogram slot for `value` per the feature's layout (profile-types.ts), or -1 when the
 * value is invalid for the feature (see validateNumeric / validateCategorical) or the
 * numeric layout has no edges. Missing values map to the last slot.
 */
export function binIndex(feature: FeatureProfile, value: unknown): number {
  if (feature.type === 'numeric') {
    const edges = feature.edges;
    if (value === null || value === undefined) return edges.length + 1;
    if (typeof value !== 'number' || !Number.isFinite(value) || edges.length === 0) return -1;
    return numericSlot(edges, value);
  }
  const m = feature.categories.length;
  if (value === null || value === undefined || value === '') return m + 1;
  let key: string;
  if (typeof value === 'string') key = value;
  else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) key = String(value);
  else return -1;
  const i = categoryIndex(feature).get(key);
  return i === undefined ? m : i;
}

// ---------------------------------------------------------------- building


/** Uniform reservoir sampler (Algorithm R) of bounded size. */
class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  private readonly size: number;
  private readonly random: () => number;

  constructor(size: number, seed: number) {
    this.size = size;
    this.random = createRng(seed);
  }

  offer(value: T): void {
    this.seen++;
    if (this.items.length < this.size) {
      this.items.push(value);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.size) this.items[j] = value;
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new DomainError('invalid_argument', `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Quantile at q of sorted values, numpy's default ('linear') method. */
function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const t = pos - lo;
  const a = sorted[lo] as number;
  if (lo + 1 >= n) return a;
  const b = sorted[lo + 1] as number;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Bin edges for `bins` quantile bins of sorted, non-empty values: strictly increasing
 * after de-duplication, or [v, v] when all values are equal.
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let j = 0; j <= bins; j++) {
    const e = j === bins ? (sorted[sorted.length - 1] as number) : quantileSorted(sorted, j / bins);
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  if (edges.length === 1) edges.push(edges[0] as number);
  return edges;
}

/**
 * The present values of a numeric feature, in row order, and how many are missing; throws a
 * DomainError naming the feature and the row (`locate`) of the first invalid value.
 */
export function presentNumbers(feature: string, values: ArrayLike<unknown>, locate: Locator): { present: Float64Array; missing: number } {
  const present = new Float64Array(values.length);
  let n = 0;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      missing++;
      continue;
    }
    const problem = validateNumeric(v);
    if (problem !== null) throw new DomainError('invalid_argument', `feature '${feature}', ${locate(i)}: ${problem}`);
    present[n++] = v as number;
  }
  return { present: present.subarray(0, n), missing };
}

/** Numeric profile of one feature's values (validated; missing counted). */
export function buildNumericProfile(
  name: string,
  values: ArrayLike<unknown>,
  options: ProfileOptions = {},
  locate: Locator = rowLocator,
): NumericFeatureProfile {
  const bins = positiveInt('bins', options.bins ?? PROFILE_DEFAULTS.bins);
  const sampleSize = positiveInt('sampleSize', options.sampleSize ?? PROFILE_DEFAULTS.sampleSize);
  const reservoir = new Reservoir<number>(sampleSize, options.seed ?? PROFILE_DEFAULTS.seed);
  const { present, missing } = presentNumbers(name, values, locate);
  const n = present.length;
  for (let i = 0; i < n; i++) reservoir.offer(present[i] as number);
  if (n === 0) throw new DomainError('invalid_argument', `feature '${name}' has no numeric values to build a reference from`);
  const sorted = present.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (sorted[i] as number) - mean;
    ss += d * d;
  }
  const edges = quantileEdges(sorted, bins);
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (let i = 0; i < n; i++) {
    const s = numericSlot(edges, sorted[i] as number);
    counts[s] = (counts[s] as number) + 1;
  }
  counts[edges.length + 1] = missing;
  return {
    name,
    type: 'numeric',
    edges,
    counts,
    total: n + missing,
    mean,
    std: Math.sqrt(ss / n),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    sample: reservoir.items,
  };
}

/** Categorical profile of one feature's values (validated; missing counted). */
export function buildCategoricalProfile(
  name: string,
  values: ArrayLike<unknown>,
  options: ProfileOptions = {},
  locate: Locator = rowLocator,
): CategoricalFeatureProfile {
  const maxCategories = positiveInt('maxCategories', options.maxCategories ?? PROFILE_DEFAULTS.maxCategories);
  const sampleSize = positiveInt('sampleSize', options.sampleSize ?? PROFILE_DEFAULTS.sampleSize);
  const reservoir = new Reservoir<string>(sampleSize, options.seed ?? PROFILE_DEFAULTS.seed);
  const frequency = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissingCategorical(v)) {
      missing++;
      continue;
    }
    const problem = validateCategorical(v);
    if (problem !== null) throw new DomainError('invalid_argument', `feature '${name}', ${locate(i)}: ${problem}`);
    const key = categoryKey(v as string | number | boolean);
    frequency.set(key, (frequency.get(key) ?? 0) + 1);
    reservoir.offer(key);
  }
  const ranked = [...frequency].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = ranked.slice(0, maxCategories);
  let unseen = 0;
  for (let i = maxCategories; i < ranked.length; i++) unseen += (ranked[i] as [string, number])[1];
  return {
    name,
    type: 'categorical',
    categories: kept.map(([c]) => c),
    counts: [...kept.map(([, count]) => count), unseen, missing],
    total: values.length,
    sample: reservoir.items,
  };
}

/** Reference profile from rows and the model's feature declarations. */
export function buildProfile(
  rows: ReadonlyArray<Record<string, unknown>>,
  features: readonly FeatureDeclaration[],
  options: ProfileOptions = {},
): ReferenceProfile {
  if (rows.length === 0) throw new DomainError('invalid_argument', 'reference rows must not be empty');
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new DomainError('invalid_argument', `reference row ${i} must be an object`);
  });
  const names = new Set<string>();
  const profiles = features.map((f): FeatureProfile => {
    if (names.has(f.name)) throw new DomainError('invalid_argument', `feature '${f.name}' is declared twice`);
    names.add(f.name);
    const values = rows.map((row) => row[f.name]);
    if (f.type === 'numeric') return buildNumericProfile(f.name, values, options);
    if (f.type === 'categorical') return buildCategoricalProfile(f.name, values, options);
    throw new DomainError('invalid_argument', `feature '${String((f as { name: unknown }).name)}' has unknown type ${JSON.stringify((f as { type: unknown }).type)}`);
  });
  return {
    format: 1,
    source: options.source ?? 'rows',
    rows: rows.length,
    createdAt: options.createdAt ?? new Date().toISOString(),
    features: profiles,
  };
}
