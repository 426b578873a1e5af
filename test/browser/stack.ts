/**
 * What every browser test starts: a real backend (SQLite, seeded), one token per role as the
 * app's settings (apiToken = viewer, editorToken, adminToken), the Go proxy emulator in front of
 * the harness page, and Debian's Chromium with one browser context per signed-in Grafana user.
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../backend/src/testing/test-server.ts';
import { buildHarness, ROOT } from './build.ts';
import { startEmulator, type Emulator, type User } from './emulator.ts';
import { seedModel } from './seed.ts';

export const CHROMIUM = process.env.MODELWATCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.join(ROOT, 'artifacts/screenshots');
export const APP = '/a/modelwatch-mlops-app';
export const APP_PROXY = '/api/plugin-proxy/modelwatch-mlops-app';
export const DS_UID = 'modelwatch';

/** Grafana users by session name; `rootEditor` is a server admin whose role in this org is Editor. */
export const USERS: Record<string, User> = {
  viewer: { login: 'vera', orgRole: 'Viewer' },
  editor: { login: 'eddie', orgRole: 'Editor' },
  rootEditor: { login: 'root', orgRole: 'Editor', isGrafanaAdmin: true },
  admin: { login: 'ada', orgRole: 'Admin' },
};

export const skip = process.env.MODELWATCH_TEST_BROWSER === 'skip' && 'MODELWATCH_TEST_BROWSER=skip';
if (!skip && !fs.existsSync(CHROMIUM)) {
  throw new Error(
    `Chromium not found at ${CHROMIUM}. Install it (apt-get install -y chromium), point MODELWATCH_CHROMIUM at one, ` +
      'or set MODELWATCH_TEST_BROWSER=skip to skip the browser tests.',
  );
}

export interface Stack {
  backend: TestServer;
  emulator: Emulator;
  browser: Browser;
  versions: { v1: string; v2: string };
  tokens: Record<'viewer' | 'editor' | 'admin', string>;
  /** A page signed in as USERS[user]; uncaught page errors are collected in `errors`. */
  pageAs(user: keyof typeof USERS): Promise<Page>;
  errors: string[];
  close(): Promise<void>;
}

export async function startStack(options: { sendUserHeader: boolean }): Promise<Stack> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const [dir, backend] = await Promise.all([buildHarness(), startTestServer('sqlite')]);
  const versions = await seedModel(backend);
  const token = async (role: string) => {
    const res = await backend.request('POST', '/api/v1/tokens', { body: { name: `grafana-${role}`, role, grafana: true } });
    assert.equal(res.status, 201, res.text);
    return res.body.token as string;
  };
  const tokens = { viewer: await token('viewer'), editor: await token('editor'), admin: await token('admin') };
  const emulator = await startEmulator({
    staticDir: dir,
    appSettings: { jsonData: { url: backend.url }, secureJsonData: { apiToken: tokens.viewer, editorToken: tokens.editor, adminToken: tokens.admin } },
    dsSettings: { uid: DS_UID, jsonData: { url: backend.url }, secureJsonData: { apiToken: tokens.viewer } },
    users: USERS,
    sendUserHeader: options.sendUserHeader,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const errors: string[] = [];
  return {
    backend,
    emulator,
    browser,
    versions,
    tokens,
    errors,
    async pageAs(user) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      await context.addCookies([{ name: 'grafana_session', value: user, url: emulator.url }]);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.setDefaultNavigationTimeout(15_000);
      page.on('pageerror', (err) => errors.push(`pageerror (${user}): ${err.message}`));
      return page;
    },
    async close() {
      await browser.close();
      await emulator.close();
      await backend.close();
    },
  };
}
