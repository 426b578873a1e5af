/**
 * Histogram layout of a rollup's per-feature counts, derived from a reference profile.
 *
 * Rollup histograms count over the bins of the version's profile (see profile-types.ts), so
 * two rollups' histograms can be summed only when they were counted over the same bins.
 * The layout id is a deterministic fingerprint of the feature names, types and bin
 * definitions (edges or categories): every process that loads the same profile computes
 * the same id, which is what lets rollups from several processes merge.
 */
import type { FeatureProfile, ReferenceProfile } from '../core/profile-types.ts';

export interface HistogramLayout {
  /** Fingerprint of names, types and bins; equal ids ⇔ mergeable histograms. */
  readonly id: string;
  readonly names: readonly string[];
  /** Length of each feature's counts array (numeric: edges + 2, categorical: categories + 2). */
  readonly sizes: readonly number[];
}

/** A profile prepared for the ingest hot path. */
export interface CompiledProfile {
  readonly layout: HistogramLayout;
  readonly features: readonly FeatureProfile[];
  /** Per feature, the edges of a numeric one with at least two, for finiteSlot; null for the others. */
  readonly numericEdges: readonly (Float64Array | null)[];
}

const compiled = new WeakMap<ReferenceProfile, CompiledProfile>();
// One-entry cache in front of the WeakMap: a batch almost always has one profile.
let lastProfile: ReferenceProfile | null = null;
let lastCompiled: CompiledProfile | null = null;

/**
 * The compiled form of a profile, computed once per profile object. Profiles are treated as
 * immutable: edit one and you must pass a new object.
 */
export function compileProfile(profile: ReferenceProfile): CompiledProfile {
  if (profile === lastProfile && lastCompiled !== null) return lastCompiled;
  let c = compiled.get(profile);
  if (c === undefined) {
    c = {
      layout: layoutOfFeatures(profile.features),
      features: [...profile.features],
      numericEdges: profile.features.map((f) => (f.type === 'numeric' && f.edges.length >= 2 ? Float64Array.from(f.edges) : null)),
    };
    compiled.set(profile, c);
  }
  lastProfile = profile;
  lastCompiled = c;
  return c;
}

/**
 * numericSlot (stats/profile.ts) of a finite `x` over `edges` (at least two), as a binary
 * search without data-dependent branches: the loop's steps depend only on the number of
 * edges, each comparison is added as 0 or 1. Quantile edges make every comparison a coin
 * toss, which numericSlot's branches mispredict: this takes half the time per feature value
 * (bench/monitor/ingest-steps.bench.ts). rollup.test.ts checks that both agree.
 */
export function finiteSlot(edges: Float64Array, x: number): number {
  const k = edges.length - 1;
  // Counts the edges e[0..k-1] ≤ x (a prefix: edges are non-decreasing) …
  let base = 0;
  let n = k;
  while (n > 1) {
    const half = n >>> 1;
    base += Number((edges[base + half] as number) <= x) * half;
    n -= half;
  }
  // … plus one above the last edge (its bin is closed on the right).
  return base + Number((edges[base] as number) <= x) + Number(x > (edges[k] as number));
}

export function layoutOfFeatures(features: readonly FeatureProfile[]): HistogramLayout {
  const parts: string[] = [];
  const names: string[] = [];
  const sizes: number[] = [];
  for (const f of features) {
    names.push(f.name);
    if (f.type === 'numeric') {
      sizes.push(f.edges.length + 2);
      parts.push(`${JSON.stringify(f.name)}:n:${f.edges.join(',')}`);
    } else {
      sizes.push(f.categories.length + 2);
      parts.push(`${JSON.stringify(f.name)}:c:${JSON.stringify(f.categories)}`);
    }
  }
  const text = parts.join(';');
  return { id: `h1-${hash53(text, 1)}${hash53(text, 2)}`, names, sizes };
}

/** cyrb53: a fast, well-mixed 53-bit string hash, as 14 hex digits. Not cryptographic. */
function hash53(text: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

export function sameLayout(a: HistogramLayout, b: HistogramLayout): boolean {
  if (a === b) return true;
  if (a.id !== b.id || a.sizes.length !== b.sizes.length) return false;
  for (let i = 0; i < a.sizes.length; i++) if (a.sizes[i] !== b.sizes[i]) return false;
  return true;
}
