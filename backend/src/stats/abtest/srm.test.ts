import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../core/errors.ts';
import { srm, type SrmInput } from './srm.ts';

function assertInvalid(input: unknown, field: string): void {
  assert.throws(
    () => srm(input as SrmInput),
    (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.message.includes(field),
  );
}

describe('srm', () => {
  test('weights are normalised: percentages, fractions and raw ratios agree', () => {
    const a = srm({ counts: [5300, 4700], weights: [0.5, 0.5] });
    const b = srm({ counts: [5300, 4700], weights: [50, 50] });
    const c = srm({ counts: [5300, 4700], weights: [1, 1] });
    assert.equal(a.pValue, b.pValue);
    assert.equal(a.pValue, c.pValue);
    assert.ok(a.mismatch, `p = ${a.pValue}`);
    assert.deepEqual(a.expected, [5000, 5000]);
  });

  test('alerts at p < 0.001 only', () => {
    assert.equal(srm({ counts: [5120, 4880], weights: [1, 1] }).mismatch, false); // p ≈ 0.016
    assert.equal(srm({ counts: [5200, 4800], weights: [1, 1] }).mismatch, true); // p ≈ 6e-5
    assert.equal(srm({ counts: [5120, 4880], weights: [1, 1], threshold: 0.05 }).mismatch, true);
  });

  test('one arm, or no units, is a defined no-mismatch result', () => {
    for (const r of [srm({ counts: [1234], weights: [1] }), srm({ counts: [0, 0], weights: [0.5, 0.5] })]) {
      assert.equal(r.pValue, 1);
      assert.equal(r.mismatch, false);
      assert.ok(r.reason);
    }
  });

  test('a zero-weight arm takes no part, unless it received units', () => {
    const skipped = srm({ counts: [500, 500, 0], weights: [1, 1, 0] });
    assert.equal(skipped.df, 1);
    assert.equal(skipped.mismatch, false);
    const stray = srm({ counts: [500, 500, 3], weights: [1, 1, 0] });
    assert.equal(stray.pValue, 0);
    assert.equal(stray.mismatch, true);
  });

  test('invalid input names the field', () => {
    assertInvalid({ counts: [], weights: [] }, 'counts');
    assertInvalid({ counts: [1, 2], weights: [1] }, 'weights');
    assertInvalid({ counts: [1, -2], weights: [1, 1] }, 'counts[1]');
    assertInvalid({ counts: [1, 2.5], weights: [1, 1] }, 'counts[1]');
    assertInvalid({ counts: [1, 2], weights: [1, -1] }, 'weights[1]');
    assertInvalid({ counts: [1, 2], weights: [0, 0] }, 'weights must sum to a positive');
    assertInvalid({ counts: [1, 2], weights: [1, Number.POSITIVE_INFINITY] }, 'weights[1]');
  });
});
