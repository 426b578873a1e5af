/**
 * The dashboards reach Grafana one way only: the app plugin's `includes` (app-plugin/src/plugin.json).
 * Grafana imports an app's included dashboards with overwrite whenever the app is enabled or
 * updated; a file provider serving the same uids would race that import (each overwriting the
 * other, and the file provider's copy blocking "Update" on the app's Dashboards tab). The app is
 * the one that works without our docker-compose (a catalog install) and the dashboards' actions
 * and links need the app anyway. This finds dashboards that a file provider would ship again.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const uidOf = async (file: string): Promise<string | undefined> => {
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  return typeof json === 'object' && json !== null && 'uid' in json && typeof json.uid === 'string' ? json.uid : undefined;
};

/** Uids of the dashboards the app's plugin.json `includes` ships. */
export async function includedUids(root: string): Promise<string[]> {
  const plugin = JSON.parse(await readFile(join(root, 'app-plugin/src/plugin.json'), 'utf8')) as { includes?: { type: string; path?: string }[] };
  const paths = (plugin.includes ?? []).filter((i) => i.type === 'dashboard' && i.path).map((i) => join(root, 'app-plugin/src', i.path!));
  return (await Promise.all(paths.map(uidOf))).filter((u): u is string => u !== undefined);
}

/** Host folders behind the container paths of docker-compose.yml's bind mounts (`- ./host:/container[:ro]`). */
function bindMounts(compose: string, root: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const m of compose.matchAll(/^\s*-\s*(\.\/[^:\s]*):(\/[^:\s]*)(?::r[ow])?\s*$/gm)) mounts.set(m[2]!.replace(/\/$/, ''), resolve(root, m[1]!));
  return mounts;
}

/** Uids that a file provider in provisioning/grafana/dashboards/ serves as well as the app's `includes`. */
export async function shippedTwice(root: string): Promise<string[]> {
  const providersDir = join(root, 'provisioning/grafana/dashboards');
  const providers = (await readdir(providersDir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f));
  const compose = await readFile(join(root, 'docker-compose.yml'), 'utf8').catch(() => '');
  const mounts = bindMounts(compose, root);
  const provided = new Set<string>();
  for (const provider of providers) {
    const text = await readFile(join(providersDir, provider), 'utf8');
    for (const m of text.matchAll(/^\s*path:\s*["']?([^"'\s]+)/gm)) {
      const container = m[1]!.replace(/\/$/, '');
      const host = mounts.get(container);
      if (!host) continue;
      for (const file of (await readdir(host).catch(() => [] as string[])).filter((f) => f.endsWith('.json'))) {
        const uid = await uidOf(join(host, file));
        if (uid) provided.add(uid);
      }
    }
  }
  return (await includedUids(root)).filter((uid) => provided.has(uid));
}
