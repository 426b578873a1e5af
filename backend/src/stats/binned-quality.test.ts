/**
 * Agreement with numpy/scipy: ./testdata/binned-quality-fixtures.json, made by
 * ./testdata/make_binned_quality_fixtures.py (raw-row AUC from scipy's Mann–Whitney U, log
 * loss and confusion matrices with numpy; the same rows binned by numpy.histogram). Binned
 * values match the oracle's binned values to 1e-9; against the raw rows they stay within the
 * binning bounds the module states (AUC, log loss) or are exact (confusion at bin edges).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  QUALITY_BINS,
  accuracyOf,
  aucBinningBound,
  aucDropZ,
  aucStandardError,
  binnedAuc,
  binnedLogLoss,
  calibrationBins,
  confusionAt,
  equalBin,
  expectedCalibrationError,
  f1Of,
  logLossBinningBound,
  precisionOf,
  recallOf,
  type Confusion,
} from './binned-quality.ts';

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  exact: { auc: number; aucSe: number; logLoss: number; confusion: Record<string, Confusion> };
  binned: { pos: number[]; neg: number[]; auc: number; logLoss: number; observed: (number | null)[]; ece: number };
}

const fixtures = JSON.parse(readFileSync(new URL('./testdata/binned-quality-fixtures.json', import.meta.url), 'utf8')) as { bins: number; cases: Case[] };

const close = (actual: number | null, expected: number, what: string, tol = 1e-9): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
};

function histograms(c: Case): { pos: Float64Array; neg: Float64Array } {
  const pos = new Float64Array(QUALITY_BINS);
  const neg = new Float64Array(QUALITY_BINS);
  c.labels.forEach((y, i) => {
    const b = equalBin(c.scores[i]!);
    if (y === 1) pos[b]!++;
    else neg[b]!++;
  });
  return { pos, neg };
}

describe('binned quality matches the numpy/scipy oracle', () => {
  test('the fixtures use this module bins', () => assert.equal(fixtures.bins, QUALITY_BINS));
  for (const c of fixtures.cases) {
    test(c.name, () => {
      const { pos, neg } = histograms(c);
      assert.deepEqual(Array.from(pos), c.binned.pos, 'positives per bin');
      assert.deepEqual(Array.from(neg), c.binned.neg, 'negatives per bin');
      close(binnedAuc(pos, neg), c.binned.auc, 'binned auc');
      close(binnedLogLoss(pos, neg), c.binned.logLoss, 'binned log loss');
      close(expectedCalibrationError(pos, neg), c.binned.ece, 'ece');
      calibrationBins(pos, neg).forEach((b, i) => {
        const o = c.binned.observed[i];
        if (o === null || o === undefined) assert.equal(b.observed, null);
        else close(b.observed, o, `observed rate of bin ${i}`);
      });
      // Against the raw rows: within the stated bounds.
      const aucBound = aucBinningBound(pos, neg)!;
      assert.ok(Math.abs(binnedAuc(pos, neg)! - c.exact.auc) <= aucBound + 1e-12, `auc within ${aucBound}`);
      const llBound = logLossBinningBound(pos, neg)!;
      assert.ok(Number.isFinite(llBound) && Math.abs(binnedLogLoss(pos, neg)! - c.exact.logLoss) <= llBound, `log loss within ${llBound}`);
      const positives = c.labels.filter((y) => y === 1).length;
      close(aucStandardError(c.exact.auc, positives, c.labels.length - positives), c.exact.aucSe, 'Hanley–McNeil SE');
      // Confusion at bin edges: exact.
      for (const [t, expected] of Object.entries(c.exact.confusion)) {
        const got = confusionAt(pos, neg, Number(t));
        assert.deepEqual(got, expected, `confusion at ${t}`);
        const n = expected.tp + expected.fp + expected.tn + expected.fn;
        close(accuracyOf(got), (expected.tp + expected.tn) / n, 'accuracy');
        close(precisionOf(got), expected.tp / (expected.tp + expected.fp), 'precision');
        close(recallOf(got), expected.tp / (expected.tp + expected.fn), 'recall');
        close(f1Of(got), (2 * expected.tp) / (2 * expected.tp + expected.fp + expected.fn), 'f1');
      }
    });
  }
});

describe('binned quality edge cases', () => {
  test('scores outside [0, 1] are clamped into the end bins; edges are exact', () => {
    assert.equal(equalBin(-3), 0);
    assert.equal(equalBin(7), QUALITY_BINS - 1);
    assert.equal(equalBin(1), QUALITY_BINS - 1);
    assert.equal(equalBin(0.58), 29);
    assert.equal(equalBin(0.5), 25);
    assert.equal(equalBin(0.49999999), 24);
  });

  test('no labels, or one class only: null, never NaN', () => {
    const zero = new Float64Array(QUALITY_BINS);
    const some = new Float64Array(QUALITY_BINS);
    some[10] = 3;
    assert.equal(binnedAuc(zero, zero), null);
    assert.equal(binnedAuc(some, zero), null);
    assert.equal(binnedLogLoss(zero, zero), null);
    assert.equal(expectedCalibrationError(zero, zero), null);
    const c = confusionAt(zero, some, 0.5);
    assert.deepEqual(c, { tp: 0, fp: 0, tn: 3, fn: 0 });
    assert.equal(precisionOf(c), null);
    assert.equal(recallOf(c), null);
    assert.equal(f1Of(c), null);
    assert.equal(accuracyOf(c), 1);
  });

  test('a perfect ranking has AUC 1; the log-loss bound is infinite for a positive in the first bin', () => {
    const pos = new Float64Array(QUALITY_BINS);
    const neg = new Float64Array(QUALITY_BINS);
    pos[QUALITY_BINS - 1] = 5;
    neg[0] = 5;
    assert.equal(binnedAuc(pos, neg), 1);
    assert.equal(aucBinningBound(pos, neg), 0);
    assert.ok(Number.isFinite(logLossBinningBound(pos, neg)));
    pos[0] = 1;
    assert.equal(logLossBinningBound(pos, neg), Infinity);
  });

  test('AUC drop z: positive when the current window ranks worse, null without both classes', () => {
    const good = { pos: new Float64Array(QUALITY_BINS), neg: new Float64Array(QUALITY_BINS) };
    const bad = { pos: new Float64Array(QUALITY_BINS), neg: new Float64Array(QUALITY_BINS) };
    good.pos[40] = 200;
    good.pos[20] = 50;
    good.neg[10] = 200;
    good.neg[30] = 50;
    bad.pos[30] = 125;
    bad.pos[20] = 125;
    bad.neg[20] = 125;
    bad.neg[30] = 125;
    const z = aucDropZ(bad.pos, bad.neg, good.pos, good.neg)!;
    assert.ok(z > 5, `z = ${z}`);
    assert.ok(aucDropZ(good.pos, good.neg, bad.pos, bad.neg)! < -5);
    assert.equal(aucDropZ(good.pos, new Float64Array(QUALITY_BINS), good.pos, good.neg), null);
  });

  test('bad input is refused with the field named', () => {
    assert.throws(() => binnedAuc([1], [1, 2]), /same number of bins/);
    assert.throws(() => confusionAt([1], [1], 1.5), /threshold: expected a number in \[0, 1\]/);
  });
});
