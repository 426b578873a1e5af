/**
 * Agreement with independent implementations: every expected value was computed by
 * ../testdata/make_abtest_fixtures.py (scipy, plus transcriptions of the published formulas
 * that the script cross-checks). Tolerance 1e-6 relative.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { abtest, type AbTestInput, type AbTestResult } from './abtest.ts';
import { chiSquareSf, normalQuantile, normalSf, studentTTwoSidedP, studentTUpperQuantile } from '../distributions.ts';
import { minimumDetectableEffect, timeToDecision } from './power.ts';
import { srm, type SrmInput } from './srm.ts';

interface Fixtures {
  tolerance: number;
  distributions: {
    normalSf: [number, number][];
    normalQuantile: [number, number][];
    studentTTwoSidedP: [number, number, number][];
    studentTUpperQuantile: [number, number, number][];
    chiSquareSf: [number, number, number][];
  };
  abtest: { input: AbTestInput; expected: Omit<AbTestResult, 'status'> }[];
  srm: { input: SrmInput; expected: { statistic: number; pValue: number; df: number; mismatch: boolean } }[];
  power: { case: number; targetEffect: number; trafficRate: number; expected: { mde: number; requiredSampleSize: number } }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../testdata/abtest-fixtures.json', import.meta.url), 'utf8'),
) as Fixtures;
const TOL = fixtures.tolerance;

/** |actual − expected| ≤ TOL·max(|actual|, |expected|, scale); scale guards values near 0 (e.g. CI ends). */
function close(actual: number, expected: number, what: string, scale = 0): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not finite`);
  const bound = TOL * Math.max(Math.abs(actual), Math.abs(expected), scale);
  assert.ok(Math.abs(actual - expected) <= bound, `${what}: got ${actual}, expected ${expected} (diff ${Math.abs(actual - expected)})`);
}

describe('distributions match scipy', () => {
  const d = fixtures.distributions;
  test('normal survival function (tails to 1e-268)', () => {
    for (const [z, p] of d.normalSf) close(normalSf(z), p, `normalSf(${z})`);
  });
  test('normal quantile', () => {
    for (const [p, z] of d.normalQuantile) close(normalQuantile(p), z, `normalQuantile(${p})`, 1e-300);
  });
  test('Student t two-sided p-value, df from 1 to 1e8', () => {
    for (const [t, df, p] of d.studentTTwoSidedP) close(studentTTwoSidedP(t, df), p, `t=${t}, df=${df}`);
  });
  test('Student t quantile', () => {
    for (const [p, df, t] of d.studentTUpperQuantile) close(studentTUpperQuantile(p, df), t, `t.isf(${p}, ${df})`);
  });
  test('chi-square survival function', () => {
    for (const [x, df, p] of d.chiSquareSf) close(chiSquareSf(x, df), p, `chi2.sf(${x}, ${df})`);
  });
});

describe('abtest matches scipy / the published formulas', () => {
  fixtures.abtest.forEach(({ input, expected }, i) => {
    const label = `#${i} ${input.metric} ${input.difference ?? 'relative'}${input.sequential ? ' sequential' : ''}`;
    test(label, () => {
      const r = abtest(input);
      assert.equal(r.status, 'ok');
      close(r.effect, expected.effect, `${label} effect`);
      close(r.se, expected.se, `${label} se`);
      close(r.ci[0], expected.ci[0], `${label} ci.lo`, expected.se);
      close(r.ci[1], expected.ci[1], `${label} ci.hi`, expected.se);
      close(r.pValue, expected.pValue, `${label} pValue`);
      assert.equal(r.significant, expected.significant, `${label} significant`);
      close(r.chanceToWin, expected.chanceToWin, `${label} chanceToWin`);
      close(r.statistic, expected.statistic, `${label} statistic`);
      if (expected.df === null) assert.equal(r.df, null);
      else close(r.df as number, expected.df, `${label} df`);
      close(r.credibleInterval[0], expected.credibleInterval[0], `${label} credible.lo`, expected.se);
      close(r.credibleInterval[1], expected.credibleInterval[1], `${label} credible.hi`, expected.se);
      close(r.expectedLoss.treatment, expected.expectedLoss.treatment, `${label} loss.treatment`, 1e-9 * expected.se);
      close(r.expectedLoss.control, expected.expectedLoss.control, `${label} loss.control`, 1e-9 * expected.se);
    });
  });
});

describe('SRM matches scipy.stats.chisquare', () => {
  fixtures.srm.forEach(({ input, expected }, i) => {
    test(`#${i} counts ${input.counts.join('/')}`, () => {
      const r = srm(input);
      close(r.statistic, expected.statistic, 'statistic', 1e-12);
      close(r.pValue, expected.pValue, 'pValue');
      assert.equal(r.df, expected.df);
      assert.equal(r.mismatch, expected.mismatch);
    });
  });
});

describe('power matches the formula transcription', () => {
  for (const c of fixtures.power) {
    const input = fixtures.abtest[c.case]?.input as AbTestInput;
    test(`case #${c.case}`, () => {
      const r = abtest(input);
      close(minimumDetectableEffect(r).mde as number, c.expected.mde, 'mde');
      const t = timeToDecision(r, { targetEffect: c.targetEffect, trafficRate: c.trafficRate });
      assert.ok(Math.abs((t.requiredSampleSize as number) - c.expected.requiredSampleSize) <= 1 + 1e-6 * c.expected.requiredSampleSize);
      const n = input.control.n + input.treatment.n;
      const missing = Math.max(0, (t.requiredSampleSize as number) - n);
      assert.equal(t.estimatedTime, missing / c.trafficRate);
    });
  }
});
