/**
 * API compatibility of both plugins with the Grafana versions they claim (plugin.json
 * `grafanaDependency` >= 12.3): @grafana/levitate compares the exports of the @grafana packages
 * the plugins build against with those of 12.3.x and of the newest 13.x, restricted to what each
 * plugin's module imports (the same code webpack bundles into dist/module.js). Exits 1 on any
 * incompatibility not reviewed below. Levitate downloads the compared packages from the npm
 * registry (LEVITATE_CACHE=true keeps them in the system temp folder for reruns).
 *   node levitate.ts [--target 12.3,13]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTsProgram, getIncompatibilitiesBetweenPackages } from '@grafana/levitate';
import { ROOT } from './build.ts';

const PACKAGES = ['@grafana/data', '@grafana/ui', '@grafana/runtime'];
const PLUGINS = ['app-plugin/src/module.tsx', 'datasource-plugin/src/module.ts'];
const { values } = parseArgs({ options: { target: { type: 'string', default: '12.3,13' } } });
const targets = values.target!.split(',');

/** The newest published version in a range (levitate needs one exact version). */
function newest(pkg: string, range: string): string {
  const out: unknown = JSON.parse(execFileSync('npm', ['view', `${pkg}@${range}`, 'version', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const list = (Array.isArray(out) ? out : [out]) as string[];
  return list.filter((v) => !v.includes('-')).at(-1) ?? list.at(-1)!;
}

/**
 * Changes levitate reports that were read and are not breaking for these plugins (only these are
 * ignored; any other change or removal fails):
 * - `config` (@grafana/runtime): GrafanaBootConfig gains and loses fields between releases; the
 *   plugins read only `config.bootData.user.orgRole`, present in 12.3 and 13.x.
 * - `AppPlugin.addLink` (@grafana/data 13): same signature; its link config gained `group` and
 *   deprecated `category` (still honoured), which the panel-menu links use.
 */
const REVIEWED = { changes: [/^config$/, /^AppPlugin\.addLink$/], removals: [], additions: [] };

let problems = 0;
for (const entry of PLUGINS) {
  const program = createTsProgram(path.join(ROOT, entry));
  for (const pkg of PACKAGES) {
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
    for (const range of targets) {
      const target = newest(pkg, range);
      const found = await getIncompatibilitiesBetweenPackages(program, `${pkg}@${installed}`, `${pkg}@${target}`, REVIEWED);
      const line = `${entry}: ${pkg} ${installed} → ${target}: ${found.length ? `${found.length} incompatible` : 'compatible'}`;
      console.log(line);
      for (const f of found) console.log(`  ${f.name} (${path.relative(ROOT, f.sourceFile.fileName)}): ${f.change ? 'changed' : 'removed'}`);
      problems += found.length;
    }
  }
}
process.exitCode = problems ? 1 : 0;
