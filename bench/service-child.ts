/**
 * The real service in a child process (bench/ingest/server.ts), for the benchmarks that
 * measure it from outside: its own process, so RSS and CPU time from /proc are the service's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServiceChild {
  child: ChildProcess;
  url: string;
  pid: number;
}

/** Runs `command` (which prints {"url", "pid"} as one JSON line once listening) with `env`. */
export async function startServiceChild(command: readonly string[], env: NodeJS.ProcessEnv): Promise<ServiceChild> {
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok(buf.slice(0, nl));
    });
    child.on('exit', (code) => fail(new Error(`service exited with ${code}`)));
  });
  const { url, pid } = JSON.parse(line) as { url: string; pid: number };
  return { child, url, pid };
}

/** Whether `taskset` can pin the service to one core (the client then runs on another). */
export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/**
 * The service of bench/ingest/server.ts (`args`: its arguments, `nodeOptions`: e.g. a CPU
 * profile) on its own data folder, pinned to core 0 where taskset exists.
 */
export function startBenchService(o: {
  server: string;
  args?: string[];
  nodeOptions?: string[];
  dataDir: string;
  token: string;
  databaseUrl?: string | undefined;
  /** Pin to core 0 (default where taskset exists); several replicas share the machine's cores unpinned. */
  pin?: boolean;
}): Promise<ServiceChild> {
  const node = [process.execPath, ...(o.nodeOptions ?? []), o.server, ...(o.args ?? [])];
  return startServiceChild(hasTaskset && o.pin !== false ? ['taskset', '-c', '0', ...node] : node, {
    ...process.env,
    MODELWATCH_PORT: '0',
    MODELWATCH_DATA_DIR: o.dataDir,
    MODELWATCH_ADMIN_TOKEN: o.token,
    MODELWATCH_LOG_LEVEL: 'warn',
    ...(o.databaseUrl ? { MODELWATCH_DATABASE_URL: o.databaseUrl } : {}),
  });
}

/** Stops the child (SIGTERM: the service flushes and closes) and waits for it to exit. */
export function stopServiceChild(service: ServiceChild): Promise<void> {
  return new Promise<void>((ok) => {
    service.child.once('exit', () => ok());
    service.child.kill('SIGTERM');
  });
}

/** Resident memory now and at its peak (MiB), and CPU time used (user + system, s). */
export function procStatus(pid: number): { rssMb: number; peakMb: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, cpuSeconds: ticks / 100 };
}
