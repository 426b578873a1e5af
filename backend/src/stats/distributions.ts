/**
 * Normal, Student t and chi-square tails and quantiles, matching scipy.stats to ~1e-12
 * relative (checked against fixtures from make_abtest_fixtures.py). Tails are computed
 * directly so tiny p-values keep their digits.
 */
import { betaIncomplete, erfc, gammaUpperRegularized, lnGammaRatio } from './special-functions.ts';

const SQRT2 = Math.SQRT2;
const LN_SQRT_2PI = 0.9189385332046727;

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return 0.5 * erfc(z / SQRT2);
}

/** P(Z ≤ z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LN_SQRT_2PI);
}

/** Two-sided p-value 2·P(Z > |z|). */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

/**
 * Standard normal quantile (inverse CDF) for p in (0, 1): Acklam's rational start refined by
 * Halley steps on the accurate tail, giving ~1e-15 relative.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return Number.NaN;
  }
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklamLowerHalf(p);
  for (let i = 0; i < 4; i++) {
    const e = normalCdf(x) - p;
    const u = e * Math.exp(0.5 * x * x + LN_SQRT_2PI);
    const step = u / (1 + (x * u) / 2);
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return x;
}

function acklamLowerHalf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const at = (xs: number[], i: number): number => xs[i] as number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((at(c, 0) * q + at(c, 1)) * q + at(c, 2)) * q + at(c, 3)) * q + at(c, 4)) * q + at(c, 5)) /
      ((((at(d, 0) * q + at(d, 1)) * q + at(d, 2)) * q + at(d, 3)) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((at(a, 0) * r + at(a, 1)) * r + at(a, 2)) * r + at(a, 3)) * r + at(a, 4)) * r + at(a, 5)) * q) /
    (((((at(b, 0) * r + at(b, 1)) * r + at(b, 2)) * r + at(b, 3)) * r + at(b, 4)) * r + 1)
  );
}

/** Two-sided Student t p-value 2·P(T > |t|) = I_{df/(df+t²)}(df/2, 1/2). */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalTwoSidedP(t);
  const t2 = t * t;
  if (t2 === 0) return 1;
  if (!Number.isFinite(t2)) return 0;
  const denom = df + t2;
  return Math.min(1, betaIncomplete(df / denom, df / 2, 0.5, t2 / denom));
}

/** P(T > t) for Student t with df degrees of freedom (df may be Infinity: normal). */
export function studentTSf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalSf(t);
  const half = 0.5 * studentTTwoSidedP(t, df);
  return t >= 0 ? half : 1 - half;
}

export function studentTPdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalPdf(t);
  // Γ((df+1)/2) / (Γ(df/2) √(dfπ)) · (1 + t²/df)^(−(df+1)/2)
  const lnConst = -lnGammaRatio(df / 2, 0.5) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(lnConst - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Upper quantile: the t > 0 with P(T > t) = p, for p in (0, 0.5]. Safeguarded Newton on
 * ln P(T > t), which stays well-conditioned for tiny p.
 */
export function studentTUpperQuantile(p: number, df: number): number {
  if (!(p > 0 && p <= 0.5)) throw new RangeError(`tail probability must be in (0, 0.5], got ${p}`);
  if (!Number.isFinite(df)) return -normalQuantile(p);
  if (p === 0.5) return 0;
  const z = -normalQuantile(p);
  // Cornish–Fisher start; exact enough for large df, bracketed below for small df.
  let t = z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  let lo = 0;
  let hi = Math.max(2 * t, 1);
  while (studentTSf(hi, df) > p) {
    lo = hi;
    hi *= 2;
  }
  if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
  const lnP = Math.log(p);
  for (let i = 0; i < 200; i++) {
    const sf = studentTSf(t, df);
    const g = Math.log(sf) - lnP;
    if (g > 0) lo = t;
    else hi = t;
    const step = (g * sf) / studentTPdf(t, df); // g / (d ln sf / dt) with d ln sf/dt = −pdf/sf
    let next = t + step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - t) <= 1e-15 * Math.abs(next) || hi - lo <= 1e-15 * hi) return next;
    t = next;
  }
  return t;
}

/** Critical value for a two-sided (1 − alpha) interval: normal when df is Infinity. */
export function twoSidedCritical(alpha: number, df: number): number {
  return Number.isFinite(df) ? studentTUpperQuantile(alpha / 2, df) : -normalQuantile(alpha / 2);
}

/** P(X > x) for a chi-square with df degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammaUpperRegularized(df / 2, x / 2);
}
