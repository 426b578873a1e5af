import { createRng } from '../../core/random.ts';

/** Seeded random numbers for tests, so fixed seeds give fixed data. */
export const rng = createRng;

/** Standard normal draws by Box–Muller from a seeded uniform source. */
export function normal(u: () => number): () => number {
  return () => {
    const u1 = u() || Number.MIN_VALUE;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}
