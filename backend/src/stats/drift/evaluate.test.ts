import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../core/errors.ts';
import { binIndex, buildProfile, emptyCounts } from '../profile.ts';
import type { ReferenceProfile } from '../../core/profile-types.ts';
import { adjustPValues } from '../multiple-testing.ts';
import { driftFromHistograms, driftFromSamples, type DriftReport } from './evaluate.ts';
import { ksTwoSample } from './ks.ts';
import { wasserstein } from './wasserstein.ts';
import { createRng } from '../../core/random.ts';

/** Deterministic normal(mean, sd) sample (Box–Muller over mulberry32). */
function normal(n: number, mean: number, sd: number, seed: number): number[] {
  const rand = createRng(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
}

function pick<T>(n: number, items: readonly T[], weights: readonly number[], seed: number): T[] {
  const rand = createRng(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    let u = rand() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i] as number;
      if (u < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  });
}

function invalidArgument(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && pattern.test(e.message), `expected invalid_argument matching ${pattern}`);
}

/** Every number in the report is finite (nothing that JSON would turn into null). */
function assertFinite(report: DriftReport): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') assert.ok(Number.isFinite(v), `${path} = ${v}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(report, 'report');
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
}

describe('driftFromSamples', () => {
  test('API shape, inferred types and default methods for small samples', () => {
    const report = driftFromSamples({
      reference: { age: normal(200, 40, 10, 1), country: pick(200, ['no', 'se', 'dk'], [5, 3, 2], 2) },
      current: { age: normal(150, 48, 10, 3), country: pick(150, ['no', 'se', 'dk'], [5, 3, 2], 4) },
    });
    assert.deepEqual(Object.keys(report).sort(), ['datasetDrifted', 'driftShare', 'features']);
    const [age, country] = report.features;
    assert.equal(age?.feature, 'age');
    assert.equal(age?.type, 'numeric');
    assert.equal(age?.results.length, 1);
    const ks = age?.results[0];
    assert.equal(ks?.method, 'ks');
    assert.equal(ks?.threshold, 0.05);
    assert.equal(ks?.drifted, true);
    const direct = ksTwoSample(normal(200, 40, 10, 1), normal(150, 48, 10, 3));
    assert.equal(ks?.score, direct.statistic);
    assert.equal(ks?.pValue, direct.pValue);
    assert.equal(country?.type, 'categorical');
    assert.equal(country?.results[0]?.method, 'chi_square');
    assert.equal(country?.results[0]?.drifted, false);
    assert.deepEqual(age?.n, { reference: 200, current: 150 });
    assert.equal(report.driftShare, 0.5);
    assert.equal(report.datasetDrifted, true);
    assertFinite(report);
  });

  test('large samples default to normalised Wasserstein and Jensen–Shannon', () => {
    const ref = normal(3000, 0, 2, 5);
    const cur = normal(2000, 0.5, 2, 6);
    const report = driftFromSamples({
      reference: { x: ref, c: pick(3000, ['a', 'b'], [1, 1], 7) },
      current: { x: cur, c: pick(2000, ['a', 'b'], [1, 3], 8) },
    });
    const [x, c] = report.features;
    const w = x?.results[0];
    assert.equal(w?.method, 'wasserstein');
    const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
    const std = Math.sqrt(ref.reduce((a, b) => a + (b - mean) ** 2, 0) / ref.length);
    assert.equal(w?.distance, wasserstein(ref, cur));
    assert.ok(Math.abs((w?.score ?? 0) - wasserstein(ref, cur) / std) < 1e-12);
    assert.equal(w?.drifted, true); // shift of 0.25 std
    assert.equal(c?.results[0]?.method, 'jensen_shannon');
    assert.equal(c?.results[0]?.drifted, true);
    assert.equal(report.datasetDrifted, true);
  });

  test('p-values are corrected across features (Benjamini–Hochberg by default)', () => {
    const reference = { a: normal(80, 0, 1, 10), b: normal(80, 0, 1, 11), c: normal(80, 0, 1, 12) };
    const current = { a: normal(60, 0.7, 1, 13), b: normal(60, 0.3, 1, 14), c: normal(60, 0, 1, 15) };
    const raw = (['a', 'b', 'c'] as const).map((f) => ksTwoSample(reference[f], current[f]).pValue);
    for (const correction of ['benjamini_hochberg', 'bonferroni', 'holm', 'none'] as const) {
      const report = driftFromSamples({ reference, current, correction });
      const expected = adjustPValues(raw, correction);
      report.features.forEach((f, i) => {
        const r = f.results[0];
        assert.equal(r?.pValue, raw[i]);
        assert.equal(r?.adjustedPValue, expected[i]);
        assert.equal(r?.drifted, (expected[i] as number) < 0.05);
      });
    }
  });

  test('requested methods run where they apply; thresholds and dataset share are configurable', () => {
    const report = driftFromSamples({
      reference: { x: normal(500, 0, 1, 20), c: pick(500, ['a', 'b', 'c'], [1, 1, 1], 21) },
      current: { x: normal(400, 0.2, 1, 22), c: pick(400, ['a', 'b', 'c'], [1, 1, 1], 23) },
      methods: ['psi', 'ks', 'wasserstein', 'jensen_shannon', 'chi_square'],
      thresholds: { psi: 0.01, wasserstein: 5 },
      datasetDriftShare: 1,
    });
    const [x, c] = report.features;
    assert.deepEqual(x?.results.map((r) => r.method), ['psi', 'ks', 'wasserstein', 'jensen_shannon', 'chi_square']);
    assert.deepEqual(c?.results.map((r) => r.method), ['psi', 'jensen_shannon', 'chi_square']);
    const psi = x?.results[0];
    assert.equal(psi?.threshold, 0.01);
    assert.equal(psi?.drifted, (psi?.score ?? 0) >= 0.01);
    assert.equal(x?.results[2]?.threshold, 5);
    assert.equal(x?.results[2]?.drifted, false);
    assert.equal(x?.drifted, x?.results.some((r) => r.drifted));
    assert.equal(report.datasetDrifted, report.driftShare >= 1);
    assertFinite(report);
  });

  test('empty current window: insufficient data, not drifted, not counted', () => {
    const report = driftFromSamples({
      reference: { x: [1, 2, 3, 4], c: ['a', 'b'] },
      current: { x: [], c: [] },
      methods: ['ks', 'psi', 'wasserstein', 'chi_square', 'jensen_shannon'],
    });
    for (const f of report.features) {
      assert.equal(f.drifted, false);
      for (const r of f.results) {
        assert.equal(r.insufficientData, true);
        assert.equal(r.score, 0);
        assert.equal(r.drifted, false);
      }
    }
    assert.equal(report.driftShare, 0);
    assert.equal(report.datasetDrifted, false);
    assertFinite(report);
  });

  test('one value and all-identical values give finite, sensible results', () => {
    const one = driftFromSamples({ reference: { x: [1] }, current: { x: [2] }, methods: ['ks', 'wasserstein', 'psi', 'jensen_shannon', 'chi_square'] });
    assertFinite(one);
    const [ks, w] = one.features[0]?.results ?? [];
    assert.equal(ks?.score, 1);
    assert.equal(ks?.pValue, 1); // scipy: ks_2samp([1], [2]) → (1.0, 1.0)
    assert.equal(w?.distance, 1);
    assert.equal(w?.score, 1); // reference std 0 → divided by |mean| = 1

    const same = driftFromSamples({ reference: { x: [5, 5, 5, 5] }, current: { x: [5, 5] }, methods: ['ks', 'wasserstein', 'psi', 'jensen_shannon', 'chi_square'] });
    assertFinite(same);
    for (const r of same.features[0]?.results ?? []) {
      assert.equal(r.score, 0, r.method);
      assert.equal(r.drifted, false, r.method);
    }
    const moved = driftFromSamples({ reference: { x: [0, 0, 0] }, current: { x: [0.5, 0.5] }, methods: ['wasserstein', 'psi'] });
    assertFinite(moved);
    assert.equal(moved.features[0]?.results[0]?.score, 0.5); // std 0 and mean 0 → divisor 1
    assert.equal(moved.features[0]?.results[1]?.drifted, true); // all mass moved to the `above` slot
  });

  test('unseen categories and missing values count in the count-based methods', () => {
    const report = driftFromSamples({
      reference: { c: [...new Array<string>(50).fill('a'), ...new Array<string>(50).fill('b')] },
      current: { c: [...new Array<string>(30).fill('a'), ...new Array<string>(30).fill('b'), ...new Array<string>(30).fill('new'), null, '', null] },
      methods: ['chi_square', 'psi', 'jensen_shannon'],
    });
    const [chi, psi, js] = report.features[0]?.results ?? [];
    assert.equal(chi?.drifted, true);
    assert.ok((chi?.pValue ?? 1) < 1e-6);
    assert.ok(Number.isFinite(psi?.score) && (psi?.score ?? 0) > 1); // zero reference bins are smoothed, not infinite
    assert.equal(js?.drifted, true);
    assertFinite(report);
  });

  test('invalid inputs throw invalid_argument naming the feature', () => {
    invalidArgument(() => driftFromSamples({ reference: { age: [1, 2] }, current: { age: [1, Number.NaN] } }), /feature 'age', current\[1\]: NaN/);
    invalidArgument(() => driftFromSamples({ reference: { age: [1, Infinity] }, current: { age: [1] } }), /feature 'age', reference\[1\]: Infinity/);
    invalidArgument(
      () => driftFromSamples({ reference: { age: [1, 2] }, current: { age: [1, 'x'] }, featureTypes: { age: 'numeric' } }),
      /feature 'age', current\[1\]: expected a finite number, got string "x"/,
    );
    invalidArgument(() => driftFromSamples({ reference: { c: ['a'] }, current: { c: [{}] } }), /feature 'c', current\[0\]/);
    invalidArgument(() => driftFromSamples({ reference: { c: ['a'] }, current: { c: ['a'] }, methods: ['ks'] }), /feature 'c' is categorical/);
    invalidArgument(() => driftFromSamples({ reference: { x: [1] }, current: {} }), /current\.x is missing/);
    invalidArgument(() => driftFromSamples({ reference: { x: [1] }, current: { x: [1], y: [2] } }), /current\.y has no reference/);
    invalidArgument(() => driftFromSamples({ reference: { x: [] }, current: { x: [1] } }), /reference\.x must not be empty/);
    invalidArgument(() => driftFromSamples({ reference: { x: [null] }, current: { x: [1] } }), /feature 'x': reference has no numeric values/);
    invalidArgument(() => driftFromSamples({ reference: { x: [1] }, current: { x: [1] }, methods: ['kl' as never] }), /unknown drift method "kl"/);
    invalidArgument(() => driftFromSamples({ reference: { x: [1] }, current: { x: [1] }, thresholds: { ks: 2 } }), /thresholds\.ks/);
    invalidArgument(() => driftFromSamples({ reference: { x: 3 } as never, current: { x: [1] } }), /reference\.x must be an array/);
    invalidArgument(() => driftFromSamples({ reference: { x: [1] }, current: { x: [1] }, featureTypes: { y: 'numeric' } }), /featureTypes\.y/);
  });

  test('mixed numbers and strings are categorical unless declared numeric', () => {
    const report = driftFromSamples({ reference: { zip: ['02134', 10001, 10001] }, current: { zip: [10001, '02134'] } });
    assert.equal(report.features[0]?.type, 'categorical');
    assert.equal(driftFromSamples({ reference: { x: [1, ''] }, current: { x: [2] } }).features[0]?.type, 'categorical');
    assert.equal(driftFromSamples({ reference: { x: [1, null] }, current: { x: [undefined, 2] } }).features[0]?.type, 'numeric');
  });
});

describe('driftFromHistograms', () => {
  const refRows = normal(5000, 10, 2, 30).map((x, i) => ({ x, c: i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c' }));
  const profile: ReferenceProfile = buildProfile(refRows, [{ name: 'x', type: 'numeric' }, { name: 'c', type: 'categorical' }], { createdAt: '2024-01-01T00:00:00Z' });
  const countsOf = (rows: Array<{ x: number | null; c: string | null }>): Record<string, number[]> => {
    const out: Record<string, number[]> = {};
    for (const f of profile.features) {
      const counts = emptyCounts(f);
      for (const row of rows) counts[binIndex(f, row[f.name as 'x' | 'c'])]! += 1;
      out[f.name] = counts;
    }
    return out;
  };

  test('same shape as driftFromSamples; binned KS for small windows; shift detected', () => {
    const rows = normal(400, 11, 2, 31).map((x, i) => ({ x, c: i % 2 ? 'a' : 'b' }));
    const report = driftFromHistograms(profile, countsOf(rows));
    const [x, c] = report.features;
    assert.equal(x?.results[0]?.method, 'ks');
    assert.equal(x?.results[0]?.drifted, true);
    assert.equal(c?.results[0]?.method, 'chi_square');
    assert.equal(c?.results[0]?.drifted, true);
    assert.equal(report.driftShare, 1);
    assertFinite(report);
  });

  test('no drift on a sample from the reference distribution', () => {
    const rows = normal(3000, 10, 2, 32).map((x, i) => ({ x, c: i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c' }));
    const report = driftFromHistograms(profile, countsOf(rows));
    assert.equal(report.features[0]?.results[0]?.method, 'wasserstein');
    assert.equal(report.datasetDrifted, false);
    assert.equal(report.driftShare, 0);
  });

  test('all methods, empty window, features left out, layout errors', () => {
    const all = driftFromHistograms(profile, countsOf([{ x: 30, c: 'zzz' }, { x: null, c: null }]), { methods: ['psi', 'ks', 'wasserstein', 'jensen_shannon', 'chi_square'] });
    assertFinite(all);
    const empty = driftFromHistograms(profile, { x: emptyCounts(profile.features[0]!) });
    assert.equal(empty.features.length, 1);
    assert.equal(empty.features[0]?.results[0]?.insufficientData, true);
    assert.equal(empty.driftShare, 0);
    invalidArgument(() => driftFromHistograms(profile, { x: [1, 2, 3] }), /feature 'x' must have \d+ slots/);
    invalidArgument(() => driftFromHistograms(profile, { nope: [1] }), /'nope' is not in the reference profile/);
    invalidArgument(() => driftFromHistograms(profile, { x: emptyCounts(profile.features[0]!).map(() => -1) }), /finite numbers ≥ 0/);
  });

  test('50 features × 13 slots is microseconds', () => {
    const features = Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, type: 'numeric' as const }));
    const rows = Array.from({ length: 2000 }, (_, r) => Object.fromEntries(features.map((f, i) => [f.name, Math.sin(r * (i + 1)) * 10])));
    const big = buildProfile(rows, features, { createdAt: '2024-01-01T00:00:00Z' });
    const current = Object.fromEntries(big.features.map((f) => [f.name, f.counts.map((c, i) => c + (i % 3))]));
    for (const methods of [undefined, ['psi', 'ks', 'jensen_shannon', 'wasserstein', 'chi_square'] as const]) {
      for (let i = 0; i < 2000; i++) driftFromHistograms(big, current, { methods: methods as never });
      const runs = 5000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < runs; i++) driftFromHistograms(big, current, { methods: methods as never });
      const perCallUs = Number(process.hrtime.bigint() - t0) / runs / 1000;
      // Budget generous enough for slow CI machines; typical is far lower (see docs/concepts/drift.md).
      assert.ok(perCallUs < 500, `per call ${perCallUs.toFixed(1)} µs`);
      console.log(`driftFromHistograms 50×13, methods=${methods ? 'all 5' : 'default'}: ${perCallUs.toFixed(1)} µs/call`);
    }
  });
});
