/**
 * The @grafana package sets the loader harness runs the built plugins under (package-sets.json:
 * 12.3.x with React 18, the newest 13.x with React 19), each installed once from the npm
 * registry into its own folder outside the workspace, keyed by a hash of its versions (a new
 * version is a new folder; the workspace's node_modules is never touched). An install goes to a
 * temp folder that is renamed into place when complete, so an interrupted or concurrent run never
 * leaves a half set behind.
 *   node loader/package-sets.ts            install what is missing, print the folders
 *   node loader/package-sets.ts --newest   show the newest published versions of each range
 * MODELWATCH_GRAFANA_SETS picks the cache folder (default: $XDG_CACHE_HOME or ~/.cache, then
 * modelwatch/grafana-sets).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

interface SetSpec {
  dependencies: Record<string, string>;
  overrides: Record<string, string>;
}
export interface PackageSet {
  name: string;
  /** Folder whose node_modules holds the set. */
  dir: string;
  grafana: string;
  react: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const SPECS = JSON.parse(fs.readFileSync(path.join(here, 'package-sets.json'), 'utf8')) as Record<string, SetSpec>;
export const CACHE = process.env.MODELWATCH_GRAFANA_SETS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'modelwatch/grafana-sets');
const MARKER = '.modelwatch-set.json';

function folderOf(name: string, spec: SetSpec): string {
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12);
  return path.join(CACHE, `${name}-${spec.dependencies['@grafana/data']}-${key}`);
}

/**
 * The environment without what a parent npm run sets for itself (`npm test -w test/browser` puts
 * the workspace, prefix and lifecycle into npm_* variables, which would point this install at the
 * workspace); where the registry is and how to reach it is kept.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl|cafile|@.*:registry)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));
}

async function install(name: string, spec: SetSpec, dir: string): Promise<void> {
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: `modelwatch-${name}`, private: true, ...spec }, null, 2));
    // No lifecycle scripts: the harness only bundles these packages for the browser.
    await promisify(execFile)('npm', ['install', '--prefix', tmp, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tmp, env: npmEnv(), maxBuffer: 16 << 20 }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`could not install the ${name} package set from the npm registry (test/browser/loader/package-sets.json): ${err.stderr || err.message}`);
    });
    fs.writeFileSync(path.join(tmp, MARKER), JSON.stringify(spec));
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run finished the same set first: keep theirs.
      if (!fs.existsSync(path.join(dir, MARKER))) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes the sets of earlier versions of package-sets.json (not the temp folders of a running install). */
function pruneOlder(name: string, keep: string): void {
  for (const entry of fs.readdirSync(CACHE)) {
    const dir = path.join(CACHE, entry);
    if (entry.startsWith(`${name}-`) && dir !== keep && !entry.includes('.tmp-')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every set of package-sets.json, installed if missing (both at once on a cold cache). */
export async function ensurePackageSets(log: (line: string) => void = () => {}): Promise<PackageSet[]> {
  return Promise.all(
    Object.entries(SPECS).map(async ([name, spec]) => {
      const dir = folderOf(name, spec);
      if (!fs.existsSync(path.join(dir, MARKER))) {
        const started = Date.now();
        log(`installing the ${name} package set into ${dir}`);
        await install(name, spec, dir);
        log(`installed ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        pruneOlder(name, dir);
      }
      return { name, dir, grafana: spec.dependencies['@grafana/data']!, react: spec.dependencies.react! };
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--newest')) {
    for (const [name, spec] of Object.entries(SPECS)) {
      const range = `${name.replace(/^grafana-/, '')}.x`;
      const versions = JSON.parse(execFileSync('npm', ['view', `@grafana/data@${range}`, 'version', '--json'], { encoding: 'utf8' })) as string[] | string;
      // npm lists versions in publish order, not semver order.
      const semver = (v: string) => v.split('.').map(Number);
      const stable = [versions].flat().filter((v) => !v.includes('-')).sort((a, b) => semver(a).reduce((d, x, i) => d || x - semver(b)[i]!, 0));
      console.log(`${name}: pinned ${spec.dependencies['@grafana/data']}, newest ${stable.at(-1)}`);
    }
  } else {
    for (const set of await ensurePackageSets(console.log)) console.log(`${set.name}: @grafana ${set.grafana}, React ${set.react}: ${set.dir}`);
  }
}
