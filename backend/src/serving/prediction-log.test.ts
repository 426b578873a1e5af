import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { resolveProviders } from '../onnx/onnx-session.ts';
import { PredictionLog, type PredictionRecord, type PredictionSink } from './prediction-log.ts';

const record = (i: number): PredictionRecord => ({ id: `p${i}`, ts: 1, version: 'v1', arm: 'champion', features: {}, score: 0.5, latencyMs: 1 });

function fakeSink() {
  const calls: Array<{ model: string; records: unknown[] }> = [];
  const sink: PredictionSink = {
    async ingestPredictions(model, records) {
      calls.push({ model, records });
      return { accepted: records.length, rejected: [] };
    },
  };
  return { sink, calls };
}

describe('prediction log (served predictions → monitor, off the reply path)', () => {
  const logger = pino({ level: 'silent' });

  test('flushes after flushMs, per model, in order', async () => {
    const { sink, calls } = fakeSink();
    const log = new PredictionLog({ sink, logger, flushMs: 5, maxBatch: 1000, maxQueued: 10_000 });
    for (let i = 0; i < 3; i++) log.push('a', record(i));
    log.push('b', record(9));
    assert.equal(calls.length, 0, 'nothing is written on the reply path');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(calls.map((c) => [c.model, c.records.map((x) => (x as PredictionRecord).id)]), [['a', ['p0', 'p1', 'p2']], ['b', ['p9']]]);
  });

  test('a full batch flushes at once; close() flushes the rest', async () => {
    const { sink, calls } = fakeSink();
    const log = new PredictionLog({ sink, logger, flushMs: 60_000, maxBatch: 4, maxQueued: 10_000 });
    for (let i = 0; i < 6; i++) log.push('a', record(i));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.records.length, 4);
    await log.close();
    assert.deepEqual(calls.map((c) => c.records.length), [4, 2]);
  });

  test('bounded: beyond maxQueued (flushes in flight included) records are dropped and counted', async () => {
    const dropped: Array<[string, number, string]> = [];
    const waiting: Array<() => void> = [];
    const slow: PredictionSink = {
      ingestPredictions: (_m, records) => new Promise((resolve) => waiting.push(() => resolve({ accepted: records.length, rejected: [] }))),
    };
    const release = () => {
      for (const answer of waiting.splice(0)) answer();
    };
    const log = new PredictionLog({ sink: slow, logger, flushMs: 60_000, maxBatch: 2, maxQueued: 3, onDropped: (m, n, why) => dropped.push([m, n, why]) });
    for (let i = 0; i < 5; i++) log.push('a', record(i));
    assert.deepEqual(dropped, [['a', 1, 'overflow'], ['a', 1, 'overflow']], 'two in a flush not yet answered + one buffered = the bound');
    const flushing = log.flush();
    release();
    await flushing;
    log.push('a', record(5));
    assert.equal(dropped.length, 2, 'room again once the monitor answered');
    const closing = log.close();
    release();
    await closing;
  });
});

describe('execution providers', () => {
  test('CPU by default; a configured provider this build lacks falls back to CPU', () => {
    assert.deepEqual(resolveProviders(), ['cpu']);
    assert.deepEqual(resolveProviders(['no-such-accelerator', 'cpu']), ['cpu']);
    assert.deepEqual(resolveProviders(['no-such-accelerator']), ['cpu']);
  });
});
