/**
 * Fieller's lift interval (fieller.ts) and the unit-level relative test built on it.
 * Checked by its defining property (the bounds are where the absolute-difference pivot equals
 * the critical value), by its agreement with the absolute test, and by an A/A simulation of
 * heterogeneous, heavy-tailed units that the delta-method lift fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random.ts';
import { simulateUnits } from '../../testing/unit-traffic.ts';
import { abtestUnits } from './abtest.ts';
import { relativeEffect } from './effect.ts';
import { fiellerLiftInterval } from './fieller.ts';
import type { UnitRatioSums } from './ratio.ts';
import type { ArmMoments } from './summary.ts';

const pivot = (c: ArmMoments, t: ArmMoments, theta: number) => Math.abs(t.mean - theta * c.mean) / Math.sqrt(t.variance / t.n + (theta * theta * c.variance) / c.n);

test('Fieller: at each bound the absolute-difference pivot equals the critical value; inside it is below', () => {
  const rng = createRng(11);
  for (let k = 0; k < 200; k++) {
    const control = { n: 50 + Math.floor(rng() * 5000), mean: 0.01 + rng(), variance: 0.01 + rng() };
    const treatment = { n: 50 + Math.floor(rng() * 5000), mean: 0.01 + rng(), variance: 0.01 + rng() };
    const critical = 1 + 3 * rng();
    const ci = fiellerLiftInterval(control, treatment, critical);
    if (ci === null) {
      assert.ok(control.mean ** 2 <= critical ** 2 * (control.variance / control.n), 'unbounded only when the control mean is indistinguishable from 0');
      continue;
    }
    const [lo, hi] = ci;
    assert.ok(Math.abs(pivot(control, treatment, lo + 1) - critical) < 1e-7, `lower bound pivot ${pivot(control, treatment, lo + 1)} vs ${critical}`);
    assert.ok(Math.abs(pivot(control, treatment, hi + 1) - critical) < 1e-7, `upper bound pivot ${pivot(control, treatment, hi + 1)} vs ${critical}`);
    assert.ok(pivot(control, treatment, (lo + hi) / 2 + 1) < critical);
    const point = relativeEffect(control, treatment).effect;
    assert.ok(lo < point && point < hi, 'the point estimate lies inside');
  }
});

test('Fieller: the control mean indistinguishable from 0 gives no interval', () => {
  assert.equal(fiellerLiftInterval({ n: 10, mean: 0.01, variance: 1 }, { n: 10, mean: 0.5, variance: 1 }, 1.96), null);
  assert.equal(fiellerLiftInterval({ n: 10, mean: 0, variance: 1 }, { n: 10, mean: 0.5, variance: 1 }, 1.96), null);
});

function sums(units: { x: number; y: number }[]): UnitRatioSums {
  const s = { n: units.length, x: 0, y: 0, xx: 0, yy: 0, xy: 0 };
  for (const u of units) {
    s.x += u.x;
    s.y += u.y;
    s.xx += u.x * u.x;
    s.yy += u.y * u.y;
    s.xy += u.x * u.y;
  }
  return s;
}

/** One A/A experiment by unit: units with heterogeneous propensities and heavy-tailed requests, a coin-flip split. */
function aaArms(rng: () => number, units: number): [UnitRatioSums, UnitRatioSums] {
  const population = simulateUnits({ units, meanCtr: 0.03, concentration: 10, tail: 1.3, maxRequests: 200 }, rng, 'u');
  const arms: { x: number; y: number }[][] = [[], []];
  for (const u of population) {
    let clicks = 0;
    for (let r = 0; r < u.requests; r++) if (rng() < u.propensity) clicks++;
    arms[rng() < 0.5 ? 0 : 1]!.push({ x: u.requests, y: clicks });
  }
  return [sums(arms[0]!), sums(arms[1]!)];
}

test('unit-level relative test: the lift interval excludes 0 exactly when the test rejects, fixed and sequential', () => {
  const rng = createRng(5);
  for (let k = 0; k < 200; k++) {
    const [control, treatment] = aaArms(rng, 200 + Math.floor(rng() * 800));
    for (const sequential of [undefined, { tuning: 5000 }]) {
      const r = abtestUnits({ control, treatment, ...(sequential ? { sequential } : {}) });
      if (r.status !== 'ok') continue;
      const absolute = abtestUnits({ control, treatment, difference: 'absolute', ...(sequential ? { sequential } : {}) });
      assert.equal(r.significant, absolute.significant, 'the relative verdict is the absolute test\'s');
      assert.ok(Math.abs(r.pValue - absolute.pValue) < 1e-12);
      const excludesZero = r.ci[0] > 0 || r.ci[1] < 0;
      assert.equal(excludesZero, r.significant, `ci [${r.ci[0]}, ${r.ci[1]}] vs p ${r.pValue}`);
    }
  }
});

test('A/A by unit on heavy-tailed units: the relative test keeps its level (the delta-method lift does not)', () => {
  // 2,000 A/A experiments of 1,500 units (750 per arm), the population of bench/ab/run.ts.
  const rng = createRng(20261202);
  const reps = 2000;
  let fieller = 0;
  let delta = 0;
  for (let k = 0; k < reps; k++) {
    const [control, treatment] = aaArms(rng, 1500);
    const r = abtestUnits({ control, treatment });
    if (r.significant) fieller++;
    // What the results tested before: the delta-method lift with its own z/t.
    if (r.relative && r.df !== null && Math.abs(r.relative.effect / r.relative.se) > 1.96) delta++;
  }
  const rate = (k: number) => k / reps;
  console.log(`A/A by unit, ${reps} experiments of 1,500 heavy-tailed units: relative test (absolute pivot, Fieller interval) ${rate(fieller)}, delta-method lift ${rate(delta)}`);
  // ± 1.0 % is the 95 % binomial half-width at 5 % over 2,000 experiments.
  assert.ok(rate(fieller) >= 0.035 && rate(fieller) <= 0.065, `relative test false-positive rate ${rate(fieller)}`);
  assert.ok(rate(delta) > 0.065, `the delta-method lift inflates on this population (${rate(delta)}): the guard would not notice its return`);
});
