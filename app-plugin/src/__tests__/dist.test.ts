// Checks the built plugin in dist/ (run `npm run build` first). Grafana provides React and
// react/jsx-runtime at runtime; a bundle that carries its own copy breaks on Grafana 13 (React 19).
import fs from 'fs';
import path from 'path';

const PLUGIN_ID = 'modelwatch-mlops-app';
const distDir = path.resolve(__dirname, '../../dist');
const hasDist = fs.existsSync(path.join(distDir, 'module.js'));

// Without a build there is nothing to check; CI builds first, so there a missing dist/ fails.
const describeDist = hasDist || process.env.CI ? describe : describe.skip;

// Strings that exist only inside React's own sources (React 18 and 19 internals, jsx-runtime).
const REACT_MARKERS = [
  '__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED',
  '__CLIENT_INTERNALS_DO_NOT_USE_OR_WARN_USERS_THEY_CANNOT_UPGRADE',
  'ReactCurrentOwner',
  'react.transitional.element',
];

function jsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return jsFiles(full);
    }
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

function amdDependencies(source: string): string[] {
  const match = source.match(/define\((\[[^\]]*\])/);
  if (!match) {
    throw new Error('module.js is not an AMD module (no define([...]) found)');
  }
  return JSON.parse(match[1]!);
}

if (!hasDist) {
  console.warn('dist/ not found: run `npm run build` to check the built plugin');
}

describeDist('built plugin (dist/)', () => {
  test('contains module.js and plugin.json with the plugin id and a version', () => {
    expect(fs.existsSync(path.join(distDir, 'module.js'))).toBe(true);
    const pluginJson = JSON.parse(fs.readFileSync(path.join(distDir, 'plugin.json'), 'utf8'));
    expect(pluginJson.id).toBe(PLUGIN_ID);
    expect(pluginJson.info.version).not.toContain('%VERSION%');
  });

  test('module.js takes React from Grafana (AMD externals)', () => {
    const deps = amdDependencies(fs.readFileSync(path.join(distDir, 'module.js'), 'utf8'));
    expect(deps).toContain('react');
  });

  test('no bundle file carries React or react/jsx-runtime', () => {
    for (const file of jsFiles(distDir)) {
      const source = fs.readFileSync(file, 'utf8');
      for (const marker of REACT_MARKERS) {
        if (source.includes(marker)) {
          throw new Error(`${path.relative(distDir, file)} bundles React (found "${marker}")`);
        }
      }
    }
  });
});
