/**
 * The reference command-runner trainer in trainers/simple (numpy only) honours the protocol:
 * JSON progress lines, model.onnx loadable by onnxruntime-node with the artifact contract,
 * metrics.json, and a profile.json the monitor accepts. Skipped where python3 + numpy are
 * missing. trainers/pytorch needs PyTorch and is checked only for importability here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { parseProfile } from '../core/profile-schema.ts';
import { rocAuc } from '../stats/classification.ts';
import { createNormal, createRng } from '../core/random.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const python = process.env.MODELWATCH_PYTHON ?? 'python3';
const hasNumpy = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function writeCsv(path: string, n: number): { x: number[][]; y: number[] } {
  const rng = createRng(3);
  const normal = createNormal(rng);
  const lines = ['id,a,b,c,clicked'];
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [normal(), rng() < 0.1 ? Number.NaN : normal(), Math.floor(rng() * 4)];
    const logit = -1 + row[0]! - 0.5 * (Number.isNaN(row[1]!) ? 0 : row[1]!) + 0.3 * row[2]!;
    const label = rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    x.push(row);
    y.push(label);
    lines.push(`u${i},${row[0]},${Number.isNaN(row[1]!) ? '' : row[1]},${row[2]},${label}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { x, y };
}

function run(script: string, env: Record<string, string>) {
  return spawnSync(python, [join(repo, script)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('trainers/simple/train.py', { skip: hasNumpy ? false : `${python} with numpy not found` }, () => {
  test('trains, reports progress and writes model.onnx, metrics.json and profile.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-simple-'));
    try {
      const { x, y } = writeCsv(join(dir, 'data.csv'), 3000);
      const out = join(dir, 'out');
      const r = run('trainers/simple/train.py', {
        MODELWATCH_DATASET: join(dir, 'data.csv'),
        MODELWATCH_OUTPUT_DIR: out,
        MODELWATCH_PARAMS: JSON.stringify({ label: 'clicked', ignore: ['id'], epochs: 100 }),
      });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { progress: number; message: string; metrics: Record<string, number> });
      assert.ok(lines.length >= 3);
      for (let k = 1; k < lines.length; k++) assert.ok(lines[k]!.progress >= lines[k - 1]!.progress);
      assert.equal(lines.at(-1)!.progress, 1);
      assert.ok(lines.some((l) => /^epoch \d+\/100$/.test(l.message) && l.metrics.loss! > 0));

      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(metrics.device, 'cpu');
      assert.deepEqual(metrics.featureNames, ['a', 'b', 'c']);

      const session = await ort.InferenceSession.create(readFileSync(join(out, 'model.onnx')));
      assert.deepEqual(session.inputNames, ['features']);
      assert.deepEqual(session.outputNames, ['probability']);
      const data = Float32Array.from(x.flat());
      const result = await session.run({ features: new ort.Tensor('float32', data, [x.length, 3]) });
      const p = result.probability!;
      assert.deepEqual(p.dims, [x.length, 1]);
      const auc = rocAuc(y, p.data as Float32Array);
      assert.ok(Math.abs(auc - (metrics.auc as number)) < 0.05, `ONNX AUC ${auc} vs reported ${metrics.auc}`);

      const profile = parseProfile(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')));
      assert.ok(profile.success, JSON.stringify(profile.error?.issues));
      assert.equal(profile.data!.features[1]!.counts.at(-1), x.filter((row) => Number.isNaN(row[1]!)).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input exits 2 with an error line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-simple-'));
    try {
      writeCsv(join(dir, 'data.csv'), 50);
      const r = run('trainers/simple/train.py', { MODELWATCH_DATASET: join(dir, 'data.csv'), MODELWATCH_OUTPUT_DIR: join(dir, 'out') });
      assert.equal(r.status, 2);
      assert.match(JSON.parse(r.stdout.trim().split('\n').at(-1)!).error, /column "click" not in the header/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const torchPython = [process.env.MODELWATCH_PYTHON, 'python3', '/usr/bin/python3']
  .filter((p): p is string => Boolean(p))
  .find((p) => spawnSync(p, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0);

describe('trainers/pytorch/train.py', { skip: hasNumpy ? false : `${python} with numpy not found` }, () => {
  test('is importable without PyTorch and exits 3 with a clear message when it is missing', () => {
    const code = `import importlib.util; s=importlib.util.spec_from_file_location('t', ${JSON.stringify(join(repo, 'trainers/pytorch/train.py'))}); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); print('ok')`;
    const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok/);
    if (spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
      const missing = run('trainers/pytorch/train.py', { MODELWATCH_DATASET: '/nonexistent.csv', MODELWATCH_OUTPUT_DIR: tmpdir() });
      assert.equal(missing.status, 3);
      assert.match(missing.stderr, /PyTorch is not installed/);
    }
  });

  test('trains an MLP and exports an ONNX model of the contract', { skip: torchPython ? false : 'no python with torch' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-torch-'));
    try {
      const { x, y } = writeCsv(join(dir, 'data.csv'), 2000);
      const out = join(dir, 'out');
      const r = spawnSync(torchPython!, [join(repo, 'trainers/pytorch/train.py')], {
        env: {
          ...process.env,
          MODELWATCH_DATASET: join(dir, 'data.csv'),
          MODELWATCH_OUTPUT_DIR: out,
          MODELWATCH_PARAMS: JSON.stringify({ label: 'clicked', ignore: ['id'], epochs: 3, hidden: [8], batchSize: 256 }),
        },
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.split('\n').some((l) => l.includes('"epoch 3/3"')));
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, number | string>;
      assert.ok(typeof metrics.device === 'string' && typeof metrics.seconds === 'number');
      const session = await ort.InferenceSession.create(readFileSync(join(out, 'model.onnx')));
      assert.deepEqual(session.inputNames, ['features']);
      assert.deepEqual(session.outputNames, ['probability']);
      const result = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x.flat()), [x.length, 3]) });
      assert.deepEqual(result.probability!.dims, [x.length, 1]);
      const auc = rocAuc(y, result.probability!.data as Float32Array);
      assert.ok(Math.abs(auc - (metrics.auc as number)) < 0.06, `ONNX AUC ${auc} vs reported ${metrics.auc}`);
      assert.ok(parseProfile(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8'))).success);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
