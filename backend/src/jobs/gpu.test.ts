import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverGpus, GpuSlots, parseNvidiaSmi } from './gpu.ts';

describe('GPU discovery', () => {
  test('parses nvidia-smi csv,noheader output', () => {
    const text = '0, NVIDIA H100 80GB HBM3, 81559 MiB\n1, NVIDIA H100 80GB HBM3, 81559 MiB\n\nNo devices were found\n';
    assert.deepEqual(parseNvidiaSmi(text), [
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
    ]);
    assert.deepEqual(parseNvidiaSmi('3, Tesla T4, [N/A]'), [{ index: 3, name: 'Tesla T4, [N/A]', memoryMiB: null }]);
  });

  test('an absent nvidia-smi means zero GPUs, not an error', async () => {
    const found = await discoverGpus({ nvidiaSmi: '/nonexistent/nvidia-smi' });
    assert.deepEqual(found.gpus, []);
    assert.match(found.source, /not found/);
  });

  test('MODELWATCH_GPUS overrides discovery', async () => {
    assert.deepEqual((await discoverGpus({ override: 'none' })).gpus, []);
    assert.deepEqual((await discoverGpus({ override: '0,2' })).gpus.map((g) => g.index), [0, 2]);
  });
});

describe('GPU slots', () => {
  test('two jobs never share a GPU with one slot per GPU', () => {
    const slots = new GpuSlots([0, 1, 2]);
    assert.equal(slots.freeGpus(), 3);
    const a = slots.acquire(2)!;
    assert.deepEqual(a, [0, 1]);
    assert.equal(slots.freeGpus(), 1);
    assert.equal(slots.acquire(2), undefined);
    const b = slots.acquire(1)!;
    assert.deepEqual(b, [2]);
    assert.equal(slots.freeGpus(), 0);
    slots.release(a);
    assert.deepEqual(slots.acquire(1), [0]);
    assert.deepEqual(slots.acquire(0), []);
  });

  test('with two slots per GPU a GPU takes two jobs, least used first', () => {
    const slots = new GpuSlots([0, 1], 2);
    assert.deepEqual(slots.acquire(1), [0]);
    assert.deepEqual(slots.acquire(1), [1]);
    assert.deepEqual(slots.acquire(2), [0, 1]);
    assert.equal(slots.acquire(1), undefined);
  });
});
