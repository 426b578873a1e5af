/**
 * Builds and starts proxy-emulator/ (Go, standard library only): Grafana's app plugin proxy and
 * datasource proxy driven by the real plugin.json files, signed-in users with org roles, and the
 * harness page with the user's boot data. See proxy-emulator/main.go.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './build.ts';

const SOURCE = path.join(ROOT, 'test/browser/proxy-emulator');
const GO = process.env.MODELWATCH_GO ?? 'go';

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';
export interface User {
  login: string;
  orgRole: OrgRole;
  isGrafanaAdmin?: boolean;
}
export interface Settings {
  uid?: string;
  url?: string;
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
}
export interface EmulatorOptions {
  staticDir: string;
  appSettings: Settings;
  dsSettings: Settings;
  users: Record<string, User>;
  sendUserHeader?: boolean;
}
/** One request as the backend received it (proxy-emulator/proxy.go `Logged`). */
export interface Proxied {
  method: string;
  url: string;
  status: number;
  route: string;
  hasCookie: boolean;
  xGrafanaUser: string;
  tokenKey: string;
}
export interface Emulator {
  url: string;
  requests(): Promise<Proxied[]>;
  close(): Promise<void>;
}

let built: string | undefined;

/** `go build` into a temp dir, once per process (≈ 1 s with a warm Go build cache). */
function buildEmulator(): string {
  if (built) return built;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mw-proxy-emulator-')), 'proxy-emulator');
  try {
    execFileSync(GO, ['build', '-o', out, '.'], { cwd: SOURCE, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOFLAGS: '-mod=mod' } });
  } catch (err) {
    throw new Error(`could not build test/browser/proxy-emulator with "${GO}" (apt-get install -y golang-go): ${String(err)}`);
  }
  built = out;
  return out;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const binary = buildEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-proxy-config-'));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      appPluginJson: path.join(ROOT, 'app-plugin/src/plugin.json'),
      dsPluginJson: path.join(ROOT, 'datasource-plugin/src/plugin.json'),
      appSettings: options.appSettings,
      dsSettings: options.dsSettings,
      users: options.users,
      sendUserHeader: options.sendUserHeader ?? false,
      staticDir: options.staticDir,
      pluginDirs: {
        'modelwatch-mlops-app': path.join(ROOT, 'app-plugin/dist'),
        'modelwatch-mlops-datasource': path.join(ROOT, 'datasource-plugin/dist'),
      },
    }),
  );
  const child: ChildProcess = spawn(binary, ['-config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`proxy-emulator exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(line.replace(/^listening /, '')));
  });
  return {
    url,
    requests: async () => (await (await fetch(`${url}/__emulator/requests`)).json()) as Proxied[],
    close: async () => {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
