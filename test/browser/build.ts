/**
 * Bundles harness.tsx (and with it the app plugin's real components) for the browser tests.
 * index.html's <!--BOOT--> marker is where proxy-emulator/ writes the signed-in user.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const OUT_DIR = path.join(ROOT, 'artifacts/browser-harness');

const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ModelWatch harness</title>
<link rel="stylesheet" href="/harness.css"><!--BOOT--></head>
<body><div id="root"></div><script type="module" src="/harness.js"></script></body></html>
`;

/** esbuild options of the browser pages: one ES module each, React's automatic JSX, assets inlined. */
export const BROWSER_BUNDLE = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  jsx: 'automatic',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty' },
} satisfies esbuild.BuildOptions;

export async function buildHarness(): Promise<string> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await esbuild.build({ ...BROWSER_BUNDLE, entryPoints: [path.join(here, 'harness.tsx')], outfile: path.join(OUT_DIR, 'harness.js') });
  fs.writeFileSync(path.join(OUT_DIR, 'index.html'), INDEX_HTML);
  if (!fs.existsSync(path.join(OUT_DIR, 'harness.css'))) {
    fs.writeFileSync(path.join(OUT_DIR, 'harness.css'), '');
  }
  return OUT_DIR;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  console.log(`built ${await buildHarness()} in ${Date.now() - started} ms`);
}
