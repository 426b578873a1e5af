/**
 * A PostgreSQL cluster of one test's own (initdb + pg_ctl on a free port, Debian's
 * `postgresql` package), for tests that stop and restart the server: the shared cluster of
 * scripts/with-postgres.ts serves every other test running alongside and must stay up.
 * Unlike that one it keeps synchronous_commit on, so a commit acknowledged before an
 * immediate (crash) stop survives it; fsync stays off (the machine itself does not crash).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../local-stack/alerting-stack.ts';

const run = promisify(execFile);

export interface PrivateCluster {
  url: string;
  /** `immediate` is a crash: no checkpoint, recovery from the WAL at the next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it (if running) and removes its files. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder (Debian layout), or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(root, v, 'bin')).find((bin) => fs.existsSync(path.join(bin, 'initdb')));
}

/** Starts a fresh cluster; undefined when PostgreSQL is not installed. */
export async function startPrivateCluster(): Promise<PrivateCluster | undefined> {
  const bin = postgresBin();
  if (!bin) return undefined;
  // initdb refuses to run as root; run the cluster as the `postgres` user Debian creates.
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const pg = (tool: string, args: string[]) =>
    asUser ? run('runuser', ['-u', asUser, '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-pg-private-'));
  if (asUser) await run('chown', [asUser, dir]);
  const dataDir = path.join(dir, 'data');
  await pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\nfull_page_writes = off\nmax_connections = 50\n`,
  );
  let running = false;
  const start = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-l', path.join(dir, 'log'), '-w', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await pg('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
    running = false;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: async () => {
      if (running) await stop('immediate').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
