import type { ReferenceProfile } from '../../core/profile-types.ts';

/** A two-feature profile for tests: x numeric with the given edges, c categorical {a, b}. */
export function tinyProfile(edges: number[] = [0, 1, 2, 3]): ReferenceProfile {
  return {
    format: 1,
    source: 'rows',
    rows: 10,
    createdAt: '2025-01-01T00:00:00.000Z',
    features: [
      { name: 'x', type: 'numeric', edges, counts: [], total: 0, mean: 0, std: 0, min: 0, max: 0, sample: [] },
      { name: 'c', type: 'categorical', categories: ['a', 'b'], counts: [], total: 0, sample: [] },
    ],
  };
}
