/**
 * Builds the loader host page into artifacts/browser-harness/: host.js (esbuild, with the host's
 * @grafana packages and React), SystemJS with the AMD extra and systemjs-cjs-extra as Grafana
 * loads them, and loader.html whose inline script writes window.grafanaBootData (the plugins'
 * metadata from their plugin.json, as Grafana's server renders it) before host.js runs.
 * proxy-emulator/ replaces <!--BOOT--> with the signed-in user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BROWSER_BUNDLE, OUT_DIR, ROOT } from '../build.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Beside the source harness's files: the proxy emulator serves one static folder. */
export const LOADER_DIR = OUT_DIR;
const SCRIPTS = {
  'system.js': 'node_modules/systemjs/dist/system.js',
  'amd.js': 'node_modules/systemjs/dist/extras/amd.js',
  'systemjs-cjs-extra.js': 'node_modules/systemjs-cjs-extra/dist/index.js',
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

function bootSettings() {
  const app = readJson('app-plugin/src/plugin.json');
  const ds = readJson('datasource-plugin/src/plugin.json');
  const baseUrl = (id: string) => `public/plugins/${id}`;
  return {
    buildInfo: { version: readJson('node_modules/@grafana/data/package.json').version, edition: 'Open Source' },
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

export async function buildLoaderPage(): Promise<string> {
  fs.mkdirSync(LOADER_DIR, { recursive: true });
  await esbuild.build({
    ...BROWSER_BUNDLE,
    entryPoints: [path.join(here, 'host.tsx')],
    outfile: path.join(LOADER_DIR, 'host.js'),
    // `define` is SystemJS's AMD global on this page; the host's own UMD packages (lodash, moment)
    // must not register through it (Grafana's webpack build handles them the same way).
    define: { ...BROWSER_BUNDLE.define, define: 'undefined' },
  });
  for (const [name, file] of Object.entries(SCRIPTS)) fs.copyFileSync(path.join(ROOT, file), path.join(LOADER_DIR, name));
  const boot = `window.grafanaBootData = { settings: ${JSON.stringify(bootSettings())}, user: window.modelwatchBoot.user, navTree: [] };`;
  fs.writeFileSync(
    path.join(LOADER_DIR, 'loader.html'),
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ModelWatch loader harness</title><!--BOOT-->
<script>${boot}</script>
${Object.keys(SCRIPTS).map((s) => `<script src="/${s}"></script>`).join('\n')}
</head><body><div id="root"></div><script type="module" src="/host.js"></script></body></html>
`,
  );
  return LOADER_DIR;
}
