/** Corrections for testing several hypotheses at once (features in drift, metrics in A/B). */
export type Correction = 'none' | 'bonferroni' | 'holm' | 'benjamini_hochberg';

/**
 * Adjusted p-values, in the input order, each capped at 1. Reject hypothesis i when
 * adjusted[i] < alpha. Matches statsmodels' `multipletests` for these methods.
 */
export function adjustPValues(pValues: readonly number[], method: Correction): number[] {
  const m = pValues.length;
  if (method === 'none' || m === 0) return [...pValues];
  if (method === 'bonferroni') return pValues.map((p) => Math.min(1, p * m));
  const order = pValues.map((p, i) => ({ p, i }));
  const adjusted = new Array<number>(m).fill(1);
  if (method === 'holm') {
    order.sort((a, b) => a.p - b.p);
    let running = 0;
    order.forEach(({ p, i }, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p));
      adjusted[i] = running;
    });
    return adjusted;
  }
  order.sort((a, b) => b.p - a.p);
  let running = 1;
  order.forEach(({ p, i }, index) => {
    const rank = m - index;
    running = Math.min(running, (p * m) / rank);
    adjusted[i] = Math.min(1, running);
  });
  return adjusted;
}
