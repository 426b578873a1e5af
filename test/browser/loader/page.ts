/**
 * Builds the loader host page of one package set (package-sets.ts) into
 * artifacts/browser-harness/<set>/: host.js (esbuild; every package the host's files import,
 * @grafana/*, React, the router, rxjs…, resolves from the set's folder, never from the workspace),
 * and loader.html whose inline script writes window.grafanaBootData (the plugins' metadata from
 * their plugin.json, as Grafana's server renders it) before host.js runs. SystemJS with the AMD
 * extra and systemjs-cjs-extra, as Grafana loads them, sit beside the sets. proxy-emulator/
 * replaces <!--BOOT--> with the signed-in user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BROWSER_BUNDLE, OUT_DIR, ROOT } from '../build.ts';
import type { PackageSet } from './package-sets.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Beside the source harness's files: the proxy emulator serves one static folder. */
export const LOADER_DIR = OUT_DIR;
const SCRIPTS = {
  'system.js': 'node_modules/systemjs/dist/system.js',
  'amd.js': 'node_modules/systemjs/dist/extras/amd.js',
  'systemjs-cjs-extra.js': 'node_modules/systemjs-cjs-extra/dist/index.js',
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

function bootSettings(set: PackageSet) {
  const app = readJson('app-plugin/src/plugin.json');
  const ds = readJson('datasource-plugin/src/plugin.json');
  const baseUrl = (id: string) => `public/plugins/${id}`;
  return {
    buildInfo: { version: set.grafana, edition: 'Open Source' },
    featureToggles: {},
    apps: {
      [app.id]: { id: app.id, path: `${baseUrl(app.id)}/module.js`, version: '0.1.0', preload: false, extensions: app.extensions, dependencies: app.dependencies },
    },
    datasources: {
      ModelWatch: {
        id: 1,
        uid: 'modelwatch',
        type: ds.id,
        name: 'ModelWatch',
        access: 'proxy',
        jsonData: { url: 'http://modelwatch:8080' },
        meta: { ...ds, module: `${baseUrl(ds.id)}/module.js`, baseUrl: baseUrl(ds.id), info: { ...ds.info, version: '0.1.0' } },
      },
    },
  };
}

/**
 * Resolves what the host's own files import from the set's folder: bare imports, and the
 * relative deep imports of node_modules/@grafana/runtime internals (see host.tsx).
 */
function fromSet(set: PackageSet): esbuild.Plugin {
  const workspaceModules = path.join(ROOT, 'node_modules') + path.sep;
  const again = Symbol('resolving in the set');
  return {
    name: 'package-set',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === again || !args.importer || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        if (args.path.startsWith('.')) {
          const target = path.resolve(args.resolveDir, args.path);
          return target.startsWith(workspaceModules) ? { path: path.join(set.dir, 'node_modules', target.slice(workspaceModules.length)) } : undefined;
        }
        if (path.isAbsolute(args.path)) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: set.dir, importer: args.importer, pluginData: again });
        return found.errors.length ? { errors: found.errors } : { path: found.path, sideEffects: found.sideEffects };
      });
    },
  };
}

/** Builds the set's page; returns its URL path on the emulator (`/<set>/loader.html`). */
export async function buildLoaderPage(set: PackageSet): Promise<string> {
  const dir = path.join(LOADER_DIR, set.name);
  fs.mkdirSync(dir, { recursive: true });
  await esbuild.build({
    ...BROWSER_BUNDLE,
    entryPoints: [path.join(here, 'host.tsx')],
    outfile: path.join(dir, 'host.js'),
    plugins: [fromSet(set)],
    // `define` is SystemJS's AMD global on this page; the host's own UMD packages (lodash, moment)
    // must not register through it (Grafana's webpack build handles them the same way).
    define: { ...BROWSER_BUNDLE.define, define: 'undefined' },
  });
  for (const [name, file] of Object.entries(SCRIPTS)) fs.copyFileSync(path.join(ROOT, file), path.join(LOADER_DIR, name));
  const boot = `window.grafanaBootData = { settings: ${JSON.stringify(bootSettings(set))}, user: window.modelwatchBoot.user, navTree: [] };`;
  fs.writeFileSync(
    path.join(dir, 'loader.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ModelWatch loader harness (${set.name})</title><!--BOOT-->
<link rel="stylesheet" href="/${set.name}/host.css">
<script>${boot}</script>
${Object.keys(SCRIPTS).map((s) => `<script src="/${s}"></script>`).join('\n')}
</head><body><div id="root"></div><script type="module" src="/${set.name}/host.js"></script></body></html>
`,
  );
  return `/${set.name}/loader.html`;
}
