import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../core/errors.ts';
import type { CategoricalFeatureProfile, NumericFeatureProfile } from '../core/profile-types.ts';
import {
  binIndex,
  buildCategoricalProfile,
  buildNumericProfile,
  buildProfile,
  emptyCounts,
  layoutLength,
  validateCategorical,
  validateNumeric,
} from './profile.ts';
import { createRng } from '../core/random.ts';

const CREATED = '2024-06-01T00:00:00.000Z';

function invalidArgument(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && pattern.test(e.message));
}

describe('numeric profile', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  test('quantile edges, layout, moments', () => {
    const p = buildNumericProfile('x', [...values, null, undefined]);
    assert.equal(p.edges.length, 11);
    assert.equal(p.edges[0], 1);
    assert.equal(p.edges[10], 100);
    assert.equal(p.edges[5], 50.5);
    assert.equal(p.counts.length, 13);
    assert.deepEqual(p.counts, [0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0, 2]);
    assert.equal(p.total, 102);
    assert.equal(p.mean, 50.5);
    assert.equal(p.std, Math.sqrt((100 * 100 - 1) / 12));
    assert.equal(p.min, 1);
    assert.equal(p.max, 100);
  });

  test('bins are configurable', () => {
    const p = buildNumericProfile('x', values, { bins: 4 });
    assert.deepEqual(p.edges, [1, 25.75, 50.5, 75.25, 100]);
    assert.deepEqual(p.counts, [0, 25, 25, 25, 25, 0, 0]);
  });

  test('heavy ties collapse bins (edges strictly increasing)', () => {
    const p = buildNumericProfile('x', [...new Array<number>(900).fill(0), ...values]);
    for (let i = 1; i < p.edges.length; i++) assert.ok((p.edges[i] as number) > (p.edges[i - 1] as number));
    assert.equal(p.edges[0], 0);
    assert.ok((p.counts[1] as number) >= 900, 'all tied zeros fall in the first bin');
    assert.ok(p.edges.length < 11, 'tied quantiles were merged');
    assert.equal(p.counts.reduce((a, b) => a + b, 0), 1000);
    assert.equal(p.counts.length, p.edges.length + 2);
  });

  test('all-identical values and a single value: one closed bin [v, v], no NaN', () => {
    for (const vals of [[7, 7, 7, 7], [7]]) {
      const p = buildNumericProfile('x', vals);
      assert.deepEqual(p.edges, [7, 7]);
      assert.deepEqual(p.counts, [0, vals.length, 0, 0]);
      assert.equal(p.std, 0);
      assert.equal(p.mean, 7);
      assert.equal(binIndex(p, 7), 1);
      assert.equal(binIndex(p, 6.9), 0);
      assert.equal(binIndex(p, 7.1), 2);
    }
  });

  test('reservoir sample: bounded, deterministic, seed-dependent', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => i);
    const a = buildNumericProfile('x', many, { sampleSize: 50 });
    const b = buildNumericProfile('x', many, { sampleSize: 50 });
    const c = buildNumericProfile('x', many, { sampleSize: 50, seed: 99 });
    assert.equal(a.sample.length, 50);
    assert.deepEqual(a.sample, b.sample);
    assert.notDeepEqual(a.sample, c.sample);
    assert.equal(buildNumericProfile('x', many).sample.length, 1000);
    // Fewer values than the reservoir: all of them, in order.
    assert.deepEqual(buildNumericProfile('x', [3, null, 1, 2]).sample, [3, 1, 2]);
    // Roughly uniform: the mean of a 1000-sample of 0..9999 is near 5000.
    const s = buildNumericProfile('x', many).sample;
    const mean = s.reduce((x, y) => x + y, 0) / s.length;
    assert.ok(Math.abs(mean - 4999.5) < 300, `sample mean ${mean}`);
  });

  test('invalid values are refused, naming feature and row', () => {
    invalidArgument(() => buildNumericProfile('age', [1, Number.NaN]), /feature 'age', row 1: NaN/);
    invalidArgument(() => buildNumericProfile('age', [1, Infinity]), /age.*Infinity/);
    invalidArgument(() => buildNumericProfile('age', ['3']), /age.*row 0.*string "3"/);
    invalidArgument(() => buildNumericProfile('age', [null, undefined]), /age.*no numeric values/);
    invalidArgument(() => buildNumericProfile('age', [1], { bins: 0 }), /bins/);
  });
});

describe('categorical profile', () => {
  test('categories by frequency, ties by code unit order, cap → unseen, missing', () => {
    const vals = ['b', 'a', 'c', 'a', 'b', 'a', 'd', '', null, undefined, 'e'];
    const p = buildCategoricalProfile('c', vals, { maxCategories: 3 });
    assert.deepEqual(p.categories, ['a', 'b', 'c']);
    assert.deepEqual(p.counts, [3, 2, 1, 2, 3]);
    assert.equal(p.total, vals.length);
    assert.equal(p.counts.length, layoutLength(p));
    assert.equal(p.sample.length, 8);
  });

  test('numbers and booleans become their strings', () => {
    const p = buildCategoricalProfile('c', [1, '1', true, 'true', 2]);
    assert.deepEqual(p.categories, ['1', 'true', '2']);
    assert.deepEqual(p.counts, [2, 2, 1, 0, 0]);
    assert.equal(binIndex(p, 1), 0);
    assert.equal(binIndex(p, true), 1);
  });

  test('objects and non-finite numbers are refused', () => {
    invalidArgument(() => buildCategoricalProfile('c', ['a', { x: 1 }]), /feature 'c', row 1: .*object/);
    invalidArgument(() => buildCategoricalProfile('c', [Number.NaN]), /NaN/);
  });
});

describe('binIndex', () => {
  const p: NumericFeatureProfile = {
    name: 'x', type: 'numeric', edges: [0, 1, 2, 5], counts: [0, 0, 0, 0, 0, 0], total: 0,
    mean: 0, std: 0, min: 0, max: 5, sample: [],
  };
  test('numeric layout: below, left-closed bins, last bin closed, above, missing, invalid', () => {
    assert.equal(binIndex(p, -0.5), 0);
    assert.equal(binIndex(p, 0), 1);
    assert.equal(binIndex(p, 0.99), 1);
    assert.equal(binIndex(p, 1), 2);
    assert.equal(binIndex(p, 4.9), 3);
    assert.equal(binIndex(p, 5), 3);
    assert.equal(binIndex(p, 5.0001), 4);
    assert.equal(binIndex(p, null), 5);
    assert.equal(binIndex(p, undefined), 5);
    assert.equal(binIndex(p, Number.NaN), -1);
    assert.equal(binIndex(p, Infinity), -1);
    assert.equal(binIndex(p, '1'), -1);
    assert.equal(emptyCounts(p).length, 6);
  });

  test('binary search agrees with a linear scan', () => {
    const rand = createRng(1);
    const edges = [-3, -1.5, -0.2, 0, 0.4, 1, 2.5, 2.6, 9, 30];
    const q: NumericFeatureProfile = { ...p, edges, counts: new Array<number>(edges.length + 2).fill(0) };
    const k = edges.length - 1;
    for (let i = 0; i < 5000; i++) {
      const x = i % 10 === 0 ? (edges[i % edges.length] as number) : (rand() - 0.3) * 50;
      let expected = x < edges[0]! ? 0 : x > edges[k]! ? k + 1 : k;
      for (let j = 1; j <= k; j++) if (x >= edges[j - 1]! && x < edges[j]!) { expected = j; break; }
      assert.equal(binIndex(q, x), expected, `x = ${x}`);
    }
  });

  test('categorical layout: known, unseen, missing, invalid', () => {
    const c: CategoricalFeatureProfile = { name: 'c', type: 'categorical', categories: ['x', 'y'], counts: [0, 0, 0, 0], total: 0, sample: [] };
    assert.equal(binIndex(c, 'y'), 1);
    assert.equal(binIndex(c, 'zzz'), 2);
    assert.equal(binIndex(c, ''), 3);
    assert.equal(binIndex(c, null), 3);
    assert.equal(binIndex(c, {}), -1);
  });
});

test('validateNumeric / validateCategorical', () => {
  assert.equal(validateNumeric(1.5), null);
  assert.equal(validateNumeric(0), null);
  assert.equal(validateNumeric(null), null);
  assert.equal(validateNumeric(undefined), null);
  assert.match(validateNumeric(Number.NaN) ?? '', /NaN/);
  assert.match(validateNumeric(Infinity) ?? '', /^Infinity/);
  assert.match(validateNumeric(-Infinity) ?? '', /^-Infinity/);
  assert.match(validateNumeric('12') ?? '', /expected a finite number, got string "12"/);
  assert.match(validateNumeric('') ?? '', /string/);
  assert.match(validateNumeric(true) ?? '', /boolean/);
  assert.match(validateNumeric([1]) ?? '', /array/);
  assert.equal(validateCategorical('a'), null);
  assert.equal(validateCategorical(''), null);
  assert.equal(validateCategorical(3), null);
  assert.match(validateCategorical({}) ?? '', /object/);
});

describe('buildProfile', () => {
  const rows = [
    { age: 30, city: 'Oslo' },
    { age: 41, city: 'Bergen' },
    { age: null, city: 'Oslo' },
    { age: 25, city: '' },
  ];
  const features = [
    { name: 'age', type: 'numeric' as const },
    { name: 'city', type: 'categorical' as const },
  ];

  test('profile of rows', () => {
    const p = buildProfile(rows, features, { createdAt: CREATED });
    assert.equal(p.format, 1);
    assert.equal(p.source, 'rows');
    assert.equal(p.rows, 4);
    assert.equal(p.createdAt, CREATED);
    const [age, city] = p.features;
    assert.equal(age?.type, 'numeric');
    assert.equal(age?.total, 4);
    assert.equal(age?.counts.at(-1), 1);
    assert.equal(city?.type, 'categorical');
    assert.deepEqual(city?.type === 'categorical' && city.categories, ['Oslo', 'Bergen']);
    assert.deepEqual(city?.counts, [2, 1, 0, 1]);
    // Same rows, same profile.
    assert.deepEqual(buildProfile(rows, features, { createdAt: CREATED }), p);
    // Survives a JSON round trip without NaN/Infinity.
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });

  test('errors name the feature and row', () => {
    invalidArgument(() => buildProfile([...rows, { age: 'old', city: 'x' }], features), /feature 'age', row 4: expected a finite number/);
    invalidArgument(() => buildProfile([], features), /empty/);
    invalidArgument(() => buildProfile(rows, [...features, { name: 'age', type: 'numeric' }]), /'age' is declared twice/);
  });
});
