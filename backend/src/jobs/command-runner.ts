/**
 * The command runner: any trainer process (Python, PyTorch on a GPU, ...) speaking the
 * runner protocol (docs/jobs.md):
 * - environment: MODELWATCH_DATASET (training CSV), MODELWATCH_OUTPUT_DIR, MODELWATCH_PARAMS
 *   (JSON, with `label` and `features` filled in), CUDA_VISIBLE_DEVICES (the GPUs assigned, "" for none), plus MODELWATCH_MANIFEST,
 *   MODELWATCH_LABEL, MODELWATCH_FEATURES (JSON [{name, type}]), MODELWATCH_DATASET_PARQUET;
 * - stdout: JSON lines `{"progress":0.4,"message":"epoch 4/10","metrics":{"loss":0.31}}` report
 *   progress; every other stdout/stderr line is a log line;
 * - exit 0 with `model.onnx` (required), `metrics.json` and optionally `profile.json` in
 *   the output folder.
 * The process runs in its own process group; cancel and timeout kill the whole group
 * (SIGTERM, then SIGKILL after a grace period). It runs with less than the service
 * (docs/security.md): in a scratch folder of its own (also its HOME and TMPDIR, removed
 * afterwards), with an environment built from an allowlist, never the service's own.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobFailure, type LogStream, type ProgressReport } from './job-types.ts';
import type { RunnerInput, RunnerOutput } from './runner-types.ts';

const MAX_LINE = 8192;

/** A stdout line as a progress report, or undefined when it is an ordinary log line. */
export function parseProgressLine(line: string): ProgressReport | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (!('progress' in o) && !('message' in o) && !('metrics' in o)) return undefined;
  const report: ProgressReport = {};
  if (typeof o.progress === 'number' && Number.isFinite(o.progress)) report.progress = Math.min(1, Math.max(0, o.progress));
  if (typeof o.message === 'string') report.message = o.message.slice(0, 1000);
  if (o.metrics && typeof o.metrics === 'object' && !Array.isArray(o.metrics)) report.metrics = o.metrics as Record<string, unknown>;
  return report;
}

/** Splits a byte stream into lines (long lines are cut at MAX_LINE characters). */
function lineReader(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let carry = '';
  return {
    push(chunk) {
      carry += chunk;
      let nl: number;
      while ((nl = carry.indexOf('\n')) >= 0) {
        onLine(carry.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE));
        carry = carry.slice(nl + 1);
      }
      if (carry.length > MAX_LINE * 4) {
        onLine(carry.slice(0, MAX_LINE));
        carry = '';
      }
    },
    end() {
      if (carry) onLine(carry.replace(/\r$/, '').slice(0, MAX_LINE));
      carry = '';
    },
  };
}

/**
 * Variables a trainer may inherit: locale, time zone, the search path, and what GPU and Python
 * toolchains need to load. Everything else (tokens, database URLs, cloud credentials, HOME)
 * stays with the service.
 */
const inheritedNames = new Set(['PATH', 'LANG', 'LANGUAGE', 'TZ', 'LD_LIBRARY_PATH', 'CUDA_HOME', 'CUDA_PATH', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'PYTHONPATH', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']);
const inheritedPrefixes = ['LC_', 'NVIDIA_'];

/**
 * The child's environment: the allowlisted variables of the service's own (never a
 * MODELWATCH_* one, nor an inherited CUDA_VISIBLE_DEVICES), plus the protocol's variables.
 */
export function trainerEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (inheritedNames.has(key) || inheritedPrefixes.some((prefix) => key.startsWith(prefix))) env[key] = value;
  }
  return { ...env, PYTHONUNBUFFERED: '1', ...extra };
}

/**
 * Arguments that name an existing file relative to the service's folder (`trainers/simple/train.py`)
 * made absolute, since the trainer starts in its scratch folder.
 */
export function absoluteArgs(argv: string[], from: string): string[] {
  return argv.map((arg) => (!path.isAbsolute(arg) && arg.includes('/') && fs.existsSync(path.resolve(from, arg)) ? path.resolve(from, arg) : arg));
}

/**
 * MODELWATCH_PARAMS: the job's params, plus `label` (the label column) and `features` (the
 * numeric features in declared order: the ONNX tensor contract) unless the params set them.
 */
export function trainerParams(input: Pick<RunnerInput, 'params' | 'dataset'>): Record<string, unknown> {
  const { manifest } = input.dataset;
  return {
    label: manifest.labelColumn,
    features: manifest.features.filter((f) => f.type === 'numeric').map((f) => f.name),
    ...input.params,
  };
}

export interface CommandRunnerOptions {
  argv: string[];
  killGraceMs: number;
}

export async function runCommand(input: RunnerInput, options: CommandRunnerOptions): Promise<RunnerOutput> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'modelwatch-trainer-'));
  try {
    return await runInScratch(input, options, scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function runInScratch(input: RunnerInput, options: CommandRunnerOptions, scratch: string): Promise<RunnerOutput> {
  const [file, ...args] = absoluteArgs(options.argv, process.cwd());
  if (!file) throw new JobFailure('the trainer command is empty', false);
  fs.mkdirSync(input.outputDir, { recursive: true });
  const { dataset } = input;
  const env = trainerEnv(process.env, {
    MODELWATCH_DATASET: dataset.trainCsv,
    MODELWATCH_OUTPUT_DIR: input.outputDir,
    MODELWATCH_PARAMS: JSON.stringify(trainerParams(input)),
    CUDA_VISIBLE_DEVICES: input.gpuIndices.join(','),
    MODELWATCH_MANIFEST: dataset.manifestPath,
    MODELWATCH_LABEL: dataset.manifest.labelColumn,
    MODELWATCH_FEATURES: JSON.stringify(dataset.manifest.features),
    MODELWATCH_JOB_ID: input.jobId,
    MODELWATCH_MODEL: input.model.name,
    HOME: scratch,
    TMPDIR: scratch,
    ...(dataset.trainParquet ? { MODELWATCH_DATASET_PARQUET: dataset.trainParquet } : {}),
  });
  // The program only: the arguments are the admin's trainer command, which is not shown (docs/security.md).
  input.log(`command runner: ${path.basename(file)} (${args.length} arguments)` + (input.gpuIndices.length ? ` (CUDA_VISIBLE_DEVICES=${input.gpuIndices.join(',')})` : ''), 'system');

  const child = spawn(file, args, { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lastStderr: string[] = [];
  const onLine = (stream: LogStream) => (line: string) => {
    if (stream === 'stdout') {
      const report = parseProgressLine(line);
      if (report) {
        input.progress(report);
        return;
      }
    } else {
      lastStderr.push(line);
      if (lastStderr.length > 5) lastStderr.shift();
    }
    input.log(line, stream);
  };
  const out = lineReader(onLine('stdout'));
  const err = lineReader(onLine('stderr'));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));

  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const onAbort = (): void => {
    input.log(`stopping the trainer (pid ${child.pid}): ${(input.signal.reason as Error)?.message ?? 'aborted'}`, 'system');
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs);
    killTimer.unref();
  };

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
    if (child.pid !== undefined) input.log(`trainer started (pid ${child.pid})`, 'system');
    if (input.signal.aborted) onAbort();
    else input.signal.addEventListener('abort', onAbort, { once: true });
  });
  input.signal.removeEventListener('abort', onAbort);
  if (killTimer) clearTimeout(killTimer);
  // The group may still hold processes the trainer started; they go with it.
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // no such group left: nothing to clean up
    }
  }
  // Let the pipes drain (they close once nothing in the group holds them).
  if (!exit.error) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.stdout.readableEnded && child.stderr.readableEnded) {
        clearTimeout(timer);
        resolve();
      }
    });
  }
  out.end();
  err.end();

  if (exit.error) {
    const missing = (exit.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new JobFailure(missing ? `trainer command not found: ${file}` : `trainer could not start: ${exit.error.message}`, false);
  }
  if (input.signal.aborted) throw input.signal.reason;
  if (exit.code !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = lastStderr.length ? `; last stderr: ${lastStderr.join(' | ').slice(0, 1000)}` : '';
    throw new JobFailure(`trainer ${how}${tail}`, true);
  }
  input.log(`trainer exited with code 0`, 'system');
  return collectOutputs(input.outputDir, input.log);
}

/** Reads model.onnx (required), metrics.json and profile.json from the output folder. */
export function collectOutputs(outputDir: string, log: RunnerInput['log']): RunnerOutput {
  const modelPath = path.join(outputDir, 'model.onnx');
  if (!fs.existsSync(modelPath)) throw new JobFailure('the trainer exited without writing model.onnx to MODELWATCH_OUTPUT_DIR', false);
  const onnx = new Uint8Array(fs.readFileSync(modelPath));
  if (onnx.byteLength === 0) throw new JobFailure('model.onnx is empty', false);
  const readJson = (name: string): unknown => {
    const file = path.join(outputDir, name);
    if (!fs.existsSync(file)) return undefined;
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      log(`${name} is not valid JSON (${(error as Error).message}); ignored`, 'system');
      return undefined;
    }
  };
  const metrics = readJson('metrics.json');
  if (metrics === undefined) log('no metrics.json in the output folder', 'system');
  const profile = readJson('profile.json');
  return {
    onnx,
    metrics: metrics && typeof metrics === 'object' && !Array.isArray(metrics) ? { ...(metrics as Record<string, unknown>), trainer: 'command' } : { trainer: 'command' },
    ...(profile !== undefined ? { profile } : {}),
  };
}
