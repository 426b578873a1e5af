/**
 * The ingest benchmarks' records (bench/ingest/run.ts, bench/monitor/ingest-*.bench.ts): a seeded
 * linear congruential generator and rows of `features` numeric features f0…f{n-1}, feature i
 * spread over ±(i + 1) × 50, so every run and every benchmark draws the same values.
 */
export function seededFeatureRows(features: number, seed = 7): { rand: () => number; names: string[]; featureRow: () => Record<string, number> } {
  let state = seed;
  const rand = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const names = Array.from({ length: features }, (_, i) => `f${i}`);
  const featureRow = (): Record<string, number> => Object.fromEntries(names.map((n, i) => [n, Math.round((rand() - 0.5) * (i + 1) * 1e6) / 1e4]));
  return { rand, names, featureRow };
}
