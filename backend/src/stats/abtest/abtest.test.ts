import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../core/errors.ts';
import { abtest, type AbTestInput, type AbTestResult } from './abtest.ts';

/** Every number anywhere in the result is finite (JSON cannot carry NaN/Infinity). */
function assertAllFinite(value: unknown, path = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertAllFinite(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertAllFinite(v, `${path}.${k}`);
  }
}

function assertInvalid(input: unknown, field: string): void {
  assert.throws(
    () => abtest(input as AbTestInput),
    (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.message.includes(field),
    `expected invalid_argument naming ${field}`,
  );
}

const prop = (n: number, sum: number) => ({ n, sum });

describe('abtest: API shape', () => {
  test('returns the contract fields', () => {
    const r = abtest({ metric: 'proportion', control: prop(1000, 100), treatment: prop(1000, 130) });
    for (const key of ['effect', 'ci', 'se', 'pValue', 'significant', 'chanceToWin'] as const) assert.ok(key in r, key);
    assert.equal(r.difference, 'relative');
    assert.equal(r.test, 'z_unpooled');
    assert.ok(Math.abs(r.effect - 0.3) < 1e-12);
    assert.ok(r.ci[0] < r.effect && r.effect < r.ci[1]);
    assertAllFinite(JSON.parse(JSON.stringify(r)));
  });

  test('sequential: true means the default tuning 5000', () => {
    const r = abtest({ metric: 'proportion', control: prop(1000, 100), treatment: prop(1000, 130), sequential: true });
    assert.deepEqual(r.sequential, { tuning: 5000 });
  });

  test('direction "lower" flips chance to win and the expected losses', () => {
    const input: AbTestInput = { metric: 'mean', control: { n: 100, sum: 1000, sumSquares: 10900 }, treatment: { n: 100, sum: 1050, sumSquares: 11925 }, difference: 'absolute' };
    const up = abtest(input);
    const down = abtest({ ...input, direction: 'lower' });
    assert.ok(Math.abs(up.chanceToWin + down.chanceToWin - 1) < 1e-12);
    assert.equal(up.expectedLoss.treatment, down.expectedLoss.control);
    assert.equal(up.pValue, down.pValue);
  });
});

describe('abtest: sequential inference', () => {
  test('the always-valid p-value is below alpha exactly when the confidence sequence excludes 0', () => {
    for (let n = 200; n <= 200_000; n = Math.round(n * 1.37)) {
      for (const lift of [0, 0.01, 0.03, 0.1]) {
        const r = abtest({
          metric: 'proportion',
          control: prop(n, Math.round(n * 0.1)),
          treatment: prop(n, Math.round(n * 0.1 * (1 + lift))),
          sequential: {},
        });
        const excludes = r.ci[0] > 0 || r.ci[1] < 0;
        assert.equal(r.pValue < r.alpha, excludes, `n=${n} lift=${lift}`);
      }
    }
  });

  test('the confidence sequence is wider than the fixed-horizon interval', () => {
    for (const n of [100, 1000, 5000, 50_000, 5_000_000]) {
      const input: AbTestInput = { metric: 'proportion', control: prop(n, n / 10), treatment: prop(n, n / 10 + n / 100), difference: 'absolute' };
      const fixed = abtest(input);
      const seq = abtest({ ...input, sequential: { tuning: 5000 } });
      assert.ok(seq.ci[1] - seq.ci[0] > fixed.ci[1] - fixed.ci[0], `n=${n}`);
      assert.ok(seq.pValue >= fixed.pValue, `n=${n}`);
    }
  });
});

describe('abtest: degenerate inputs give defined results', () => {
  const neutral = (r: AbTestResult, status: AbTestResult['status']) => {
    assert.equal(r.status, status);
    assert.equal(r.pValue, 1);
    assert.equal(r.significant, false);
    assert.equal(r.chanceToWin, 0.5);
    assert.equal(r.se, 0);
    assert.ok(typeof r.reason === 'string' && r.reason.length > 0);
    assertAllFinite(JSON.parse(JSON.stringify(r)));
  };

  test('n = 0 in an arm', () => {
    neutral(abtest({ metric: 'proportion', control: prop(0, 0), treatment: prop(10, 3) }), 'insufficient_data');
    neutral(abtest({ metric: 'mean', control: { n: 0, sum: 0, sumSquares: 0 }, treatment: { n: 0, sum: 0, sumSquares: 0 } }), 'insufficient_data');
  });

  test('n = 1 for a mean (no sample variance)', () => {
    neutral(abtest({ metric: 'mean', control: { n: 1, sum: 3, sumSquares: 9 }, treatment: { n: 5, sum: 10, sumSquares: 30 } }), 'insufficient_data');
  });

  test('all successes (or none) in both arms: zero variance', () => {
    neutral(abtest({ metric: 'proportion', control: prop(500, 500), treatment: prop(400, 400) }), 'zero_variance');
    neutral(abtest({ metric: 'proportion', control: prop(500, 0), treatment: prop(400, 0), difference: 'absolute' }), 'zero_variance');
    const constant = abtest({ metric: 'mean', control: { n: 10, sum: 20, sumSquares: 40 }, treatment: { n: 10, sum: 30, sumSquares: 90 }, difference: 'absolute' });
    neutral(constant, 'zero_variance');
    assert.equal(constant.effect, 1);
  });

  test('all successes in one arm only still tests', () => {
    const r = abtest({ metric: 'proportion', control: prop(200, 200), treatment: prop(200, 180), sequential: {} });
    assert.equal(r.status, 'ok');
    assertAllFinite(r);
  });

  test('zero control mean: relative lift undefined, absolute fine', () => {
    neutral(abtest({ metric: 'proportion', control: prop(500, 0), treatment: prop(500, 7) }), 'zero_control_mean');
    const abs = abtest({ metric: 'proportion', control: prop(500, 0), treatment: prop(500, 7), difference: 'absolute' });
    assert.equal(abs.status, 'ok');
    assertAllFinite(abs);
  });

  test('a control mean near 0 that overflows the lift counts as zero', () => {
    neutral(abtest({ metric: 'mean', control: { n: 10, sum: 1e-320, sumSquares: 1 }, treatment: { n: 10, sum: 5, sumSquares: 9 } }), 'zero_control_mean');
  });

  test('huge effects and samples stay finite', () => {
    const r = abtest({ metric: 'proportion', control: prop(1e9, 1e7), treatment: prop(1e9, 9e8), sequential: {} });
    assert.equal(r.pValue, 0);
    assert.equal(r.chanceToWin, 1);
    assertAllFinite(r);
  });
});

describe('abtest: random inputs never produce NaN/Infinity', () => {
  test('2,000 random proportion and mean inputs', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    for (let i = 0; i < 2000; i++) {
      const sizes = [0, 1, 2, 3, 10, 1000, 1e6, 1e9];
      const common = {
        difference: pick(['absolute', 'relative'] as const),
        direction: pick(['higher', 'lower'] as const),
        alpha: pick([0.001, 0.05, 0.3]),
        ...(rnd() < 0.5 ? { sequential: { tuning: pick([1, 5000, 1e7]) } } : {}),
      };
      let r: AbTestResult;
      if (rnd() < 0.5) {
        const arm = () => { const n = pick(sizes); return { n, sum: Math.round(n * pick([0, 1e-9, 0.01, 0.5, 1]) * rnd() * (rnd() < 0.2 ? 0 : 1)) }; };
        r = abtest({ metric: 'proportion', control: arm(), treatment: arm(), ...common });
      } else {
        const arm = () => {
          const n = pick(sizes);
          const mean = pick([0, 1e-12, -3, 250, 1e6]) * rnd();
          const sd = pick([0, 1e-6, 1, 1e3]);
          return { n, sum: n * mean, sumSquares: n * mean * mean + Math.max(0, n - 1) * sd * sd };
        };
        r = abtest({ metric: 'mean', control: arm(), treatment: arm(), ...common });
      }
      assertAllFinite(r, `case ${i}`);
      assert.ok(r.pValue >= 0 && r.pValue <= 1 && r.chanceToWin >= 0 && r.chanceToWin <= 1);
      assert.ok(r.ci[0] <= r.ci[1]);
    }
  });
});

describe('abtest: invalid input throws invalid_argument naming the field', () => {
  test('metric', () => assertInvalid({ metric: 'ratio', control: prop(1, 0), treatment: prop(1, 0) }, 'metric'));
  test('n', () => {
    assertInvalid({ metric: 'proportion', control: prop(-1, 0), treatment: prop(1, 0) }, 'control.n');
    assertInvalid({ metric: 'proportion', control: prop(1, 0), treatment: prop(2.5, 0) }, 'treatment.n');
    assertInvalid({ metric: 'proportion', control: { n: '10', sum: 1 }, treatment: prop(1, 0) }, 'control.n');
  });
  test('successes outside [0, n]', () => {
    assertInvalid({ metric: 'proportion', control: prop(10, 11), treatment: prop(10, 1) }, 'control.sum');
    assertInvalid({ metric: 'proportion', control: prop(10, 1), treatment: prop(10, -1) }, 'treatment.sum');
  });
  test('sumSquares for proportions must equal sum', () => {
    assertInvalid({ metric: 'proportion', control: { n: 10, sum: 3, sumSquares: 5 }, treatment: prop(10, 1) }, 'control.sumSquares');
  });
  test('means need consistent sumSquares', () => {
    assertInvalid({ metric: 'mean', control: { n: 10, sum: 3 }, treatment: { n: 10, sum: 3, sumSquares: 5 } }, 'control.sumSquares');
    assertInvalid({ metric: 'mean', control: { n: 10, sum: 30, sumSquares: 50 }, treatment: { n: 10, sum: 3, sumSquares: 5 } }, 'control.sumSquares');
    assertInvalid({ metric: 'mean', control: { n: 10, sum: Number.NaN, sumSquares: 5 }, treatment: { n: 10, sum: 3, sumSquares: 5 } }, 'control.sum');
  });
  test('options', () => {
    const ok = { metric: 'proportion', control: prop(10, 1), treatment: prop(10, 2) };
    assertInvalid({ ...ok, alpha: 0 }, 'alpha');
    assertInvalid({ ...ok, alpha: 1.5 }, 'alpha');
    assertInvalid({ ...ok, sequential: { tuning: 0 } }, 'sequential.tuning');
    assertInvalid({ ...ok, difference: 'ratio' }, 'difference');
    assertInvalid({ ...ok, direction: 'up' }, 'direction');
  });
});
