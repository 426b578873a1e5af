/**
 * Agreement with numpy/scipy (DeLong from the full kernel matrix, two-sided and one-sided
 * superiority by a margin) and scikit-learn (AUC,
 * log loss, Brier) answers in ./testdata/classification-fixtures.json, made by
 * ./testdata/make_classification_fixtures.py: 1e-9 absolute.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DomainError } from '../core/errors.ts';
import { brierScore, delongSuperiority, delongTest, logLoss, rocAuc } from './classification.ts';

interface Case {
  name: string;
  labels: number[];
  scoresA: number[];
  scoresB: number[];
  probabilities: number[];
  expected: {
    aucA: number;
    aucB: number;
    delong: {
      aucA: number;
      aucB: number;
      difference: number;
      se: number;
      z: number;
      pValue: number;
      ci: [number, number];
      confidence: number;
      superiority: { margin: number; alpha: number; z: number; pValue: number; lower: number }[];
    };
    logLoss: number;
    brier: number;
  };
}
const fixtures = JSON.parse(
  readFileSync(new URL('./testdata/classification-fixtures.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const close = (actual: number, expected: number, what: string, tol = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
};

describe('classification metrics match the Python oracle', () => {
  for (const c of fixtures.cases) {
    test(c.name, () => {
      close(rocAuc(c.labels, c.scoresA), c.expected.aucA, 'aucA');
      close(rocAuc(c.labels, c.scoresB), c.expected.aucB, 'aucB');
      const d = delongTest(c.labels, c.scoresA, c.scoresB, { confidence: c.expected.delong.confidence });
      const e = c.expected.delong;
      close(d.aucA, e.aucA, 'delong aucA');
      close(d.aucB, e.aucB, 'delong aucB');
      close(d.difference, e.difference, 'difference');
      close(d.se, e.se, 'se');
      close(d.z!, e.z, 'z', 1e-7);
      close(d.pValue, e.pValue, 'pValue');
      close(d.ci[0], e.ci[0], 'ci low');
      close(d.ci[1], e.ci[1], 'ci high');
      for (const expected of e.superiority) {
        const s = delongSuperiority(c.labels, c.scoresA, c.scoresB, expected.margin, expected.alpha);
        close(s.z!, expected.z, `superiority z, margin ${expected.margin}`, 1e-7);
        close(s.pValue, expected.pValue, `superiority p, margin ${expected.margin}`);
        close(s.lower, expected.lower, `superiority lower bound, margin ${expected.margin}`);
        assert.equal(s.superior, expected.pValue < expected.alpha);
      }
      close(logLoss(c.labels, c.probabilities), c.expected.logLoss, 'logLoss');
      close(brierScore(c.labels, c.probabilities), c.expected.brier, 'brier');
    });
  }
});

describe('rocAuc', () => {
  test('perfect, reversed and all-tied rankings', () => {
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1);
    assert.equal(rocAuc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]), 0);
    assert.equal(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5);
  });

  test('accepts typed arrays and is fast on 1e6 rows', () => {
    const n = 1_000_000;
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 7 === 0 ? 1 : 0;
      scores[i] = ((i * 2654435761) % 1000) / 1000 + labels[i]! * 0.3;
    }
    const t = performance.now();
    const auc = rocAuc(labels, scores);
    assert.ok(performance.now() - t < 2000);
    assert.ok(auc > 0.5 && auc < 1);
  });

  test('rejects one-class labels, bad labels and non-finite scores', () => {
    assert.throws(() => rocAuc([1, 1], [0.1, 0.2]), DomainError);
    assert.throws(() => rocAuc([0, 2], [0.1, 0.2]), DomainError);
    assert.throws(() => rocAuc([0, 1], [0.1, Number.NaN]), DomainError);
    assert.throws(() => rocAuc([0, 1], [0.1]), DomainError);
  });
});

describe('delongTest degenerate cases', () => {
  test('identical scores: difference 0, p = 1, no z', () => {
    const labels = [0, 1, 0, 1, 1, 0];
    const s = [0.1, 0.8, 0.3, 0.6, 0.2, 0.5];
    const d = delongTest(labels, s, s);
    assert.equal(d.difference, 0);
    assert.equal(d.se, 0);
    assert.equal(d.z, null);
    assert.equal(d.pValue, 1);
    assert.deepEqual(d.ci, [0, 0]);
  });

  test('zero variance with a difference: p = 0, JSON-safe', () => {
    const labels = [0, 0, 1, 1];
    const d = delongTest(labels, [0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]);
    assert.equal(d.difference, 0.5);
    assert.equal(d.pValue, 0);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(d)));
    assert.equal(JSON.stringify(d).includes('null'), true);
  });

  test('needs two rows of each class', () => {
    assert.throws(() => delongTest([0, 1, 1], [1, 2, 3], [1, 2, 3]), DomainError);
  });
});

describe('logLoss and brierScore', () => {
  test('clip probabilities of 0 and 1 and reject values outside [0, 1]', () => {
    assert.ok(Number.isFinite(logLoss([1, 0], [0, 1])));
    close(logLoss([1], [0]), -Math.log(1e-15), 'clipped', 1e-9);
    assert.equal(brierScore([1, 0], [1, 0]), 0);
    assert.throws(() => logLoss([1], [1.5]), DomainError);
    assert.throws(() => brierScore([], []), DomainError);
  });
});
