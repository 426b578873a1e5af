/**
 * Agreement with SciPy/numpy answers in ../testdata/drift-fixtures.json
 * (made by ../testdata/make_drift_fixtures.py): 1e-6 relative.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { buildNumericProfile, quantileEdges } from '../profile.ts';
import { chiSquareSf } from '../distributions.ts';
import { chiSquareHomogeneity } from './chi-square.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { kolmogornSf, kolmogorovSf, smirnovSf } from './kolmogorov-distribution.ts';
import { ksBinned, ksTwoSample } from './ks.ts';
import { psi } from './psi.ts';
import { wasserstein, wassersteinBinned } from './wasserstein.ts';

type Encoded = { values: number[] } | { unique: number[]; counts: number[] };
interface Fixtures {
  samples: Array<{ name: string; a: Encoded; b: Encoded; regime: string; statistic: number; pvalue: number; wasserstein: number }>;
  kstwo: Array<{ n: number; x: number; sf: number }>;
  smirnov: Array<{ n: number; x: number; sf: number }>;
  kolmogorov: Array<{ y: number; sf: number }>;
  chi2: Array<{ x: number; df: number; sf: number }>;
  counts: Array<{ name: string; reference: number[]; current: number[]; psi: number; jensenshannon: number; chi2: { statistic: number; pvalue: number; dof: number } }>;
  binned: Array<{
    name: string; referenceValues: number[]; bins: number; edges: number[]; reference: number[]; current: number[];
    refMean: number; refStd: number; ksStatistic: number; ksPvalue: number; wasserstein: number; psi: number; jensenshannon: number;
  }>;
  quantiles: Array<{ name: string; values: number[]; edges: Record<string, number[]> }>;
}

const fixtures = JSON.parse(readFileSync(new URL('../testdata/drift-fixtures.json', import.meta.url), 'utf8')) as Fixtures;

function decode(e: Encoded): number[] {
  if ('values' in e) return e.values;
  const out: number[] = [];
  e.unique.forEach((v, i) => { for (let k = 0; k < (e.counts[i] ?? 0); k++) out.push(v); });
  return out;
}

function close(actual: number, expected: number, what: string, rel = 1e-6): void {
  // Exact zeros and SciPy's subnormal p-values (< 1e-300, float noise) are compared absolutely.
  const ok =
    expected === 0 ? Math.abs(actual) < 1e-12
    : Math.abs(expected) < 1e-300 ? Math.abs(actual) < 1e-300
    : Math.abs(actual - expected) <= rel * Math.abs(expected);
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (rel err ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

describe('two-sample KS and Wasserstein on raw samples (scipy ks_2samp, wasserstein_distance)', () => {
  for (const c of fixtures.samples) {
    test(`${c.name} [${c.regime}]`, () => {
      const a = decode(c.a);
      const b = decode(c.b);
      const r = ksTwoSample(a, b);
      assert.equal(r.method, c.regime);
      close(r.statistic, c.statistic, 'statistic');
      close(r.pValue, c.pvalue, 'p-value');
      close(wasserstein(a, b), c.wasserstein, 'wasserstein');
      // Symmetric in the two samples.
      close(ksTwoSample(b, a).pValue, c.pvalue, 'p-value swapped');
    });
  }
});

describe('KS distributions', () => {
  test('kstwo.sf over a grid of n and x (every SciPy branch)', () => {
    for (const c of fixtures.kstwo) close(kolmogornSf(c.n, c.x), c.sf, `kstwo.sf(${c.x}, ${c.n})`);
  });
  test('smirnov (one-sided)', () => {
    for (const c of fixtures.smirnov) close(smirnovSf(c.n, c.x), c.sf, `smirnov(${c.n}, ${c.x})`);
  });
  test('kolmogorov (limiting)', () => {
    for (const c of fixtures.kolmogorov) close(kolmogorovSf(c.y), c.sf, `kolmogorov(${c.y})`);
  });
});

test('chi2.sf over a grid', () => {
  for (const c of fixtures.chi2) close(chiSquareSf(c.x, c.df), c.sf, `chi2.sf(${c.x}, ${c.df})`);
});

describe('count-vector methods (PSI by formula, jensenshannon base 2, chi2_contingency)', () => {
  for (const c of fixtures.counts) {
    test(c.name, () => {
      close(psi(c.reference, c.current), c.psi, 'psi');
      close(jensenShannonDistance(c.reference, c.current), c.jensenshannon, 'jensen-shannon');
      const chi = chiSquareHomogeneity(c.reference, c.current);
      close(chi.statistic, c.chi2.statistic, 'chi2 statistic');
      close(chi.pValue, c.chi2.pvalue, 'chi2 p-value');
      assert.equal(chi.df, c.chi2.dof);
    });
  }
});

describe('binned methods on numeric layouts', () => {
  for (const c of fixtures.binned) {
    test(c.name, () => {
      const profile = buildNumericProfile('x', [...c.referenceValues, ...new Array<null>(7).fill(null)], { bins: c.bins });
      assert.deepEqual(profile.edges, c.edges);
      assert.deepEqual(profile.counts, c.reference);
      close(profile.mean, c.refMean, 'mean');
      close(profile.std, c.refStd, 'std');
      const ks = ksBinned(c.reference, c.current);
      close(ks.statistic, c.ksStatistic, 'binned KS statistic');
      close(ks.pValue, c.ksPvalue, 'binned KS p-value');
      close(wassersteinBinned(c.edges, c.reference, c.current), c.wasserstein, 'binned wasserstein (scipy, weighted)');
      close(psi(c.reference, c.current), c.psi, 'psi');
      close(jensenShannonDistance(c.reference, c.current), c.jensenshannon, 'jensen-shannon');
    });
  }
});

test('quantile edges match numpy.quantile (linear), de-duplicated', () => {
  for (const c of fixtures.quantiles) {
    const sorted = Float64Array.from(c.values).sort();
    for (const [bins, edges] of Object.entries(c.edges)) {
      assert.deepEqual(quantileEdges(sorted, Number(bins)), edges, `${c.name}, ${bins} bins`);
    }
  }
});
