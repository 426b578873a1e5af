import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProgressLine, trainerEnv } from './command-runner.ts';
import { parseDuration } from '../core/duration.ts';
import { retryDelayMs } from './run-job.ts';
import { splitCommand } from './trainer-command.ts';

describe('command runner protocol', () => {
  test('JSON progress lines are reports; other lines are logs', () => {
    assert.deepEqual(parseProgressLine('{"progress":0.4,"message":"epoch 4/10","metrics":{"loss":0.31}}'), {
      progress: 0.4,
      message: 'epoch 4/10',
      metrics: { loss: 0.31 },
    });
    assert.deepEqual(parseProgressLine('  {"progress": 7} '), { progress: 1 });
    assert.equal(parseProgressLine('epoch 4/10 loss 0.31'), undefined);
    assert.equal(parseProgressLine('{"other": 1}'), undefined);
    assert.equal(parseProgressLine('{not json}'), undefined);
    assert.equal(parseProgressLine('[1, 2]'), undefined);
  });

  test("the trainer's environment drops the service's secrets and inherited GPUs", () => {
    const env = trainerEnv(
      { PATH: '/usr/bin', MODELWATCH_ADMIN_TOKEN: 'secret', MODELWATCH_DATABASE_URL: 'postgres://x', CUDA_VISIBLE_DEVICES: '0,1' },
      { MODELWATCH_DATASET: '/d/train.csv', CUDA_VISIBLE_DEVICES: '1' },
    );
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.MODELWATCH_ADMIN_TOKEN, undefined);
    assert.equal(env.MODELWATCH_DATABASE_URL, undefined);
    assert.equal(env.MODELWATCH_DATASET, '/d/train.csv');
    assert.equal(env.CUDA_VISIBLE_DEVICES, '1');
  });

  test('commands split without a shell', () => {
    assert.deepEqual(splitCommand('python3 trainers/simple/train.py'), ['python3', 'trainers/simple/train.py']);
    assert.deepEqual(splitCommand(`python3 "my trainer.py" --name 'a b' x\\ y ""`), ['python3', 'my trainer.py', '--name', 'a b', 'x y', '']);
    assert.deepEqual(splitCommand('echo $HOME; rm -rf /'), ['echo', '$HOME;', 'rm', '-rf', '/']);
    assert.throws(() => splitCommand('python3 "unterminated'), /unterminated/);
  });

  test('durations and backoff', () => {
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration(1500), 1500);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('0s'), undefined);
    assert.deepEqual([1, 2, 3, 4].map((a) => retryDelayMs(1000, a)), [1000, 2000, 4000, 8000]);
    assert.equal(retryDelayMs(1_000_000, 20), 3_600_000);
  });
});
