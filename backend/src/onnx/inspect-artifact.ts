/**
 * Inspects and warms an uploaded artifact in a child process with a time and memory limit
 * before the service loads it (issue 16: an editor's model with a `Loop` of 2^40 iterations
 * pinned the main thread forever, SIGTERM ignored). A child that runs past either limit is
 * killed with SIGKILL and the upload refused with a 400 saying which limit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Feature } from '../models/model-schemas.ts';
import { invalid } from '../core/errors.ts';
import type { SessionLoadOptions } from './onnx-session.ts';

export interface InspectionLimits {
  timeoutMs: number;
  maxRssBytes: number;
}

export const defaultInspectionLimits: InspectionLimits = { timeoutMs: 30_000, maxRssBytes: 2 * 1024 ** 3 };

// The sources run as .ts, the build (npm run build) as .js: the child is the same kind of file.
const childScript = fileURLToPath(new URL(`./inspect-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
const RSS_POLL_MS = 100;

/** Resident memory of a process in bytes (Linux /proc), or 0 where it cannot be read. */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Resolves when the artifact on disk (an upload streamed there) loads and warms within the
 * limits; throws a 400 naming the problem otherwise. This process never reads the file.
 */
export async function inspectArtifactFile(file: string, features: readonly Feature[], options: SessionLoadOptions, limits: InspectionLimits = defaultInspectionLimits): Promise<void> {
  const outcome = await runChild(JSON.stringify({ file, features, options }), limits);
  if (outcome.killed === 'time') throw invalid(`artifact: loading it and a test run on 2 rows did not finish within ${limits.timeoutMs / 1000} s (a Loop or Scan with a huge trip count?)`);
  if (outcome.killed === 'memory') throw invalid(`artifact: loading it and a test run on 2 rows used more than ${Math.round(limits.maxRssBytes / 1024 ** 2)} MB`);
  let reply: { ok: boolean; domain?: boolean; message?: string };
  try {
    reply = JSON.parse(outcome.stdout) as typeof reply;
  } catch {
    throw invalid(`artifact: the inspection process failed (exit ${outcome.code ?? outcome.signal}): ${outcome.stderr.split('\n').find((l) => l.trim()) ?? 'no message'}`.slice(0, 600));
  }
  if (!reply.ok) throw invalid(reply.domain ? (reply.message ?? 'artifact: refused') : `artifact: ${reply.message ?? 'refused'}`);
}

interface ChildOutcome {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  killed?: 'time' | 'memory';
}

function runChild(input: string, limits: InspectionLimits): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed: ChildOutcome['killed'];
    const kill = (why: 'time' | 'memory') => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('time'), limits.timeoutMs);
    const poll = setInterval(() => {
      if (child.pid !== undefined && rssOf(child.pid) > limits.maxRssBytes) kill('memory');
    }, RSS_POLL_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', (error) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ stdout, stderr, code, signal, ...(killed ? { killed } : {}) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
