/**
 * Runs a command with a private, throw-away PostgreSQL cluster (Debian's `postgresql`
 * package) and passes its URL as MODELWATCH_TEST_DATABASE_URL, so the store tests run on
 * both dialects. Usage: node scripts/with-postgres.ts <command> [args...]
 * Set MODELWATCH_TEST_POSTGRES=skip to run without PostgreSQL (SQLite only).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../backend/src/local-stack/alerting-stack.ts';
import { postgresBin } from '../backend/src/testing/private-postgres.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-postgres.ts <command> [args...]');
  process.exit(2);
}

function run(bin: string, argv: string[], asUser: string | undefined): void {
  const [file, fileArgs] = asUser ? ['runuser', ['-u', asUser, '--', bin, ...argv]] : [bin, argv];
  const result = spawnSync(file, fileArgs, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${bin} ${argv.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

async function startCluster(): Promise<{ url: string; stop: () => void } | undefined> {
  if (process.env.MODELWATCH_TEST_POSTGRES === 'skip') return undefined;
  const bin = postgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (needed for the store tests on both dialects). ' +
        'Install it with `apt-get install -y postgresql`, or set MODELWATCH_TEST_POSTGRES=skip to test SQLite only.',
    );
  }
  // initdb refuses to run as root; run the cluster as the `postgres` user Debian creates.
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-pg-'));
  if (asUser) spawnSync('chown', [asUser, dir]);
  const dataDir = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], asUser);
  const port = await freePort();
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n`,
  );
  run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'log'), '-w', 'start'], asUser);
  const stop = () => {
    spawnSync(asUser ? 'runuser' : path.join(bin, 'pg_ctl'), asUser ? ['-u', asUser, '--', path.join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'] : ['-D', dataDir, '-m', 'immediate', 'stop']);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

const cluster = await startCluster();
if (cluster) console.error(`with-postgres: private cluster at ${cluster.url}`);
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, ...(cluster ? { MODELWATCH_TEST_DATABASE_URL: cluster.url } : {}) },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  cluster?.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
