import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { absoluteArgs, parseProgressLine, runCommand, trainerEnv } from './command-runner.ts';
import type { DatasetExport } from './dataset.ts';
import type { RunnerInput } from './runner-types.ts';
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
    // An allowlist, not a blocklist: whatever else the service holds stays with it.
    const other = trainerEnv({ PATH: '/bin', LC_ALL: 'C', NVIDIA_DRIVER_CAPABILITIES: 'compute', AWS_SECRET_ACCESS_KEY: 'k', PGPASSWORD: 'p', HOME: '/home/svc' }, {});
    assert.deepEqual(Object.keys(other).sort(), ['LC_ALL', 'NVIDIA_DRIVER_CAPABILITIES', 'PATH', 'PYTHONUNBUFFERED']);
  });

  test('a trainer runs in a scratch folder of its own (also HOME), not the service\'s working folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-runner-'));
    const lines: string[] = [];
    const dataset = { trainCsv: path.join(dir, 'train.csv'), manifestPath: path.join(dir, 'manifest.json'), manifest: { labelColumn: 'label', features: [] } };
    const input = {
      jobId: 'job-1',
      model: { name: 'm' },
      dataset: dataset as unknown as DatasetExport,
      params: {},
      outputDir: path.join(dir, 'out'),
      gpuIndices: [],
      signal: new AbortController().signal,
      progress: () => {},
      log: (line: string) => lines.push(line),
    } as unknown as RunnerInput;
    const script = [
      "const fs = require('node:fs');",
      "console.log(JSON.stringify({ cwd: process.cwd(), home: process.env.HOME, token: process.env.MODELWATCH_ADMIN_TOKEN ?? null }));",
      "fs.writeFileSync(process.env.MODELWATCH_OUTPUT_DIR + '/model.onnx', 'x');",
    ].join('');
    process.env.MODELWATCH_ADMIN_TOKEN = 'must-not-reach-the-trainer';
    try {
      await runCommand(input, { argv: [process.execPath, '-e', script], killGraceMs: 1000 });
    } finally {
      delete process.env.MODELWATCH_ADMIN_TOKEN;
    }
    const seen = JSON.parse(lines.find((l) => l.startsWith('{"cwd"'))!);
    assert.notEqual(seen.cwd, process.cwd());
    assert.match(path.basename(seen.cwd), /^modelwatch-trainer-/);
    assert.equal(seen.home, seen.cwd);
    assert.equal(seen.token, null);
    assert.equal(fs.existsSync(seen.cwd), false, 'the scratch folder is removed afterwards');
    assert.ok(lines.some((l) => l.startsWith('command runner: ') && !l.includes('writeFileSync')), 'the command line is not logged');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("arguments naming a file relative to the service's folder become absolute", () => {
    const here = path.resolve('.');
    assert.deepEqual(absoluteArgs(['python3', 'src/jobs/command-runner.ts', '--x', 'not/there'], here), [
      'python3',
      path.join(here, 'src/jobs/command-runner.ts'),
      '--x',
      'not/there',
    ]);
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
