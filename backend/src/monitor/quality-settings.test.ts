import assert from 'node:assert/strict';
import { test } from 'node:test';
import { thresholdsOf } from './quality-settings.ts';

test('decision threshold: the version own, else the model one, else 0.5', () => {
  assert.equal(thresholdsOf({})('v1'), 0.5);
  const of = thresholdsOf({ quality: { threshold: 0.7, versions: { v2: { threshold: 0.3 }, v3: {} } } });
  assert.deepEqual([of('v1'), of('v2'), of('v3'), of('*')], [0.7, 0.3, 0.7, 0.7]);
});

test('bad thresholds are refused naming the setting', () => {
  assert.throws(() => thresholdsOf({ quality: 3 }), /settings\.quality: expected an object/);
  assert.throws(() => thresholdsOf({ quality: { threshold: 1.5 } }), /settings\.quality\.threshold: expected a number in \[0, 1\], got 1\.5/);
  assert.throws(() => thresholdsOf({ quality: { versions: { v2: { threshold: '0.4' } } } }), /settings\.quality\.versions\.v2\.threshold/);
  assert.throws(() => thresholdsOf({ quality: { versions: [] } }), /settings\.quality\.versions/);
});
