/**
 * The real service (`node backend/src/cli/main.ts serve`) as a child process, for what an
 * in-process server cannot show: its own resident memory, and surviving (or not) a SIGKILL.
 * Used by the fault tests and by bench/soak.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestJson, TEST_ADMIN_TOKEN, type RequestOptions, type TestResponse } from './test-server.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Every line it wrote (stdout and stderr). */
  logs: string[];
  request(method: string, urlPath: string, options?: RequestOptions): Promise<TestResponse>;
  /** Resident and peak memory now (Linux /proc), in bytes. */
  memory(): { rss: number; peak: number };
  /** Resets the peak (VmHWM) to the current RSS, so `memory().peak` covers what follows. */
  resetPeak(): void;
  /** Waits for the process to exit (after `signal`, when given). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited(): boolean;
}

/** Starts `modelwatch serve` with `env` (MODELWATCH_DATA_DIR at least) and waits until it listens. */
export async function startServiceProcess(env: Record<string, string>, options: { startTimeoutMs?: number } = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['backend/src/cli/main.ts', 'serve'], {
    cwd: repoRoot,
    // Info at least: the "ModelWatch listening" line says where it listens.
    env: { ...process.env, MODELWATCH_PORT: '0', MODELWATCH_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env, MODELWATCH_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start:\n${logs.join('\n')}`));
    }, options.startTimeoutMs ?? 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        logs.push(line);
        if (!line.includes('ModelWatch listening')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'ModelWatch listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code ?? signal}) before listening:\n${logs.join('\n')}`));
    });
  });
  const status = (): string => fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (text: string, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(text)?.[1] ?? 0) * 1024;
  return {
    child,
    url,
    logs,
    request: (method, urlPath, requestOptions = {}) => requestJson(url, method, urlPath, requestOptions, TEST_ADMIN_TOKEN),
    memory: () => {
      const text = status();
      return { rss: kb(text, 'VmRSS'), peak: kb(text, 'VmHWM') };
    },
    resetPeak: () => fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    exited,
    stop: (signal) =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve();
        child.once('exit', () => resolve());
        if (signal) child.kill(signal);
      }),
  };
}
