/**
 * Bayesian read-out under a flat prior and the same Gaussian approximation as the frequentist
 * test: the effect's posterior is Normal(effect, se²). Hence
 *   chance to win = P(δ better than 0),
 *   credible interval = effect ± z_{1−α/2}·se,
 *   expected loss of shipping treatment = E[max(0, harm)] = σφ(μ/σ) − μΦ(−μ/σ) (higher is better).
 */
import { normalCdf, normalPdf, normalQuantile } from '../distributions.ts';

export type Direction = 'higher' | 'lower';

export interface GaussianPosteriorSummary {
  chanceToWin: number;
  credibleInterval: [number, number];
  /** Expected loss (in effect units) if treatment ships and if control is kept. */
  expectedLoss: { treatment: number; control: number };
}

/** se must be > 0 (the caller handles degenerate cases). */
export function gaussianPosterior(effect: number, se: number, alpha: number, direction: Direction): GaussianPosteriorSummary {
  const gain = direction === 'higher' ? effect : -effect; // treatment's advantage, positive = good
  const z = gain / se;
  const density = se * normalPdf(z);
  const lossTreatment = density - gain * normalCdf(-z);
  const lossControl = density + gain * normalCdf(z);
  const half = -normalQuantile(alpha / 2) * se;
  return {
    chanceToWin: normalCdf(z),
    credibleInterval: [effect - half, effect + half],
    expectedLoss: { treatment: Math.max(0, lossTreatment), control: Math.max(0, lossControl) },
  };
}
