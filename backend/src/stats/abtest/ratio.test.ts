/**
 * The unit-level (delta-method) ratio analysis against ../testdata/make_unit_fixtures.py,
 * which computes it the exact per-unit way from simulated unit vectors with numpy/scipy
 * (and cross-checks the variance with a bootstrap over units). Here only the five sums per
 * arm go in, so agreement to 1e-9 says the sums lose nothing against per-unit rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { abtest, abtestUnits } from './abtest.ts';
import { ratioMoments, type UnitRatioSums } from './ratio.ts';

interface Case {
  name: string;
  control: UnitRatioSums;
  treatment: UnitRatioSums;
  expected: Record<string, number>;
}

const { cases } = JSON.parse(readFileSync(new URL('../testdata/unit-fixtures.json', import.meta.url), 'utf8')) as { cases: Case[] };

const close = (actual: number, expected: number, what: string, tol = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1e-12, Math.abs(expected)), `${what}: got ${actual}, expected ${expected}`);
};

for (const c of cases) {
  test(`unit-level ratio analysis matches the exact per-unit computation: ${c.name}`, () => {
    const e = c.expected;
    const mc = ratioMoments(c.control);
    const mt = ratioMoments(c.treatment);
    close(mc.mean, e.controlMean!, 'control ratio');
    close(mt.mean, e.treatmentMean!, 'treatment ratio');
    close(mc.variance, e.controlVariance!, 'control per-unit variance', 1e-8);
    close(mt.variance, e.treatmentVariance!, 'treatment per-unit variance', 1e-8);
    const abs = abtestUnits({ control: c.control, treatment: c.treatment, difference: 'absolute' });
    close(abs.effect, e.absoluteEffect!, 'absolute effect', 1e-8);
    close(abs.se, e.absoluteSe!, 'absolute SE', 1e-8);
    close(abs.statistic, e.statistic!, 'Welch t', 1e-7);
    close(abs.pValue, e.pValue!, 'p-value (scipy ttest_ind_from_stats)', 1e-6);
    close(abs.df!, e.df!, 'Welch df', 1e-7);
    assert.equal(abs.control.n, c.control.n, 'n is the number of units');
    const rel = abtestUnits({ control: c.control, treatment: c.treatment });
    close(rel.effect, e.relativeEffect!, 'relative effect', 1e-8);
    close(rel.se, e.relativeSe!, 'relative SE', 1e-8);
    // The per-impression analysis understates the variance on this clustered data.
    const naive = abtest({ metric: 'proportion', control: { n: c.control.x, sum: c.control.y }, treatment: { n: c.treatment.x, sum: c.treatment.y }, difference: 'absolute' });
    close(naive.se, e.perImpressionSe!, 'per-impression SE', 1e-8);
    assert.ok(abs.se > 1.5 * naive.se, `unit SE ${abs.se} should exceed the per-impression SE ${naive.se} on clustered data`);
  });
}

test('ratioMoments: degenerate arms give zero variance, never NaN', () => {
  assert.deepEqual(ratioMoments({ n: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0 }), { n: 0, mean: 0, variance: 0 });
  assert.deepEqual(ratioMoments({ n: 1, x: 4, y: 1, xx: 16, yy: 1, xy: 4 }), { n: 1, mean: 0.25, variance: 0 });
  assert.deepEqual(ratioMoments({ n: 3, x: 0, y: 0, xx: 0, yy: 0, xy: 0 }), { n: 3, mean: 0, variance: 0 });
  // Every unit with the same ratio: no variance of the linearised values.
  const same = ratioMoments({ n: 2, x: 6, y: 3, xx: 20, yy: 5, xy: 10 });
  assert.equal(same.mean, 0.5);
  assert.ok(Math.abs(same.variance) < 1e-12);
});
