import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { championStack, rollbackTarget, type ChampionChange } from './champion-stack.ts';

const p = (version: string): ChampionChange => ({ type: 'promote', version });
const r = (version: string): ChampionChange => ({ type: 'rollback', version });
const all = () => true;

describe('rollback target from the champion history', () => {
  test('promotions stack; rollbacks pop', () => {
    assert.deepEqual(championStack([p('v1'), p('v2'), p('v3')]), ['v1', 'v2', 'v3']);
    assert.deepEqual(championStack([p('v1'), p('v2'), p('v3'), r('v2')]), ['v1', 'v2']);
    assert.deepEqual(championStack([p('v1'), r('v9')]), ['v1', 'v9']);
  });

  test('rolling back twice walks down, never flip-flops', () => {
    const history = [p('v1'), p('v2'), p('v3')];
    assert.equal(rollbackTarget(history, 'v3', all), 'v2');
    assert.equal(rollbackTarget([...history, r('v2')], 'v2', all), 'v1');
    assert.equal(rollbackTarget([...history, r('v2'), r('v1')], 'v1', all), undefined);
  });

  test('a re-promoted version: the previous champion is the one before', () => {
    assert.equal(rollbackTarget([p('v1'), p('v2'), p('v1')], 'v1', all), 'v2');
  });

  test('versions that cannot serve are skipped', () => {
    assert.equal(rollbackTarget([p('v1'), p('v2'), p('v3')], 'v3', (v) => v !== 'v2'), 'v1');
  });

  test('no history, or only the current champion: nothing to roll back to', () => {
    assert.equal(rollbackTarget([], undefined, all), undefined);
    assert.equal(rollbackTarget([p('v1')], 'v1', all), undefined);
  });

  test('cleared entries are ignored', () => {
    assert.equal(rollbackTarget([p('v1'), { type: 'clear', version: null }, p('v2')], 'v2', all), 'v1');
  });
});
