import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { startServer, type ContextOverrides, type RunningServer } from '../compose/server.ts';
import type { SqlDialect } from '../store/database.ts';
import { freshPostgresDatabase } from './databases.ts';

export const TEST_ADMIN_TOKEN = 'mw_test_admin_token_0123456789';

export interface TestServer extends RunningServer {
  dataDir: string;
  adminToken: string;
  /** Calls the API; JSON in and out. Uses the admin token unless `token` is given (null: none). */
  request(method: string, urlPath: string, options?: RequestOptions): Promise<TestResponse>;
}

export interface RequestOptions {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
  rawBody?: string | Buffer;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function makeTestConfig(dialect: SqlDialect, overrides: Record<string, string> = {}): Promise<Config> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-test-'));
  return loadConfig({
    MODELWATCH_PORT: '0',
    MODELWATCH_DATA_DIR: dataDir,
    MODELWATCH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    MODELWATCH_LOG_LEVEL: process.env.MODELWATCH_TEST_LOG_LEVEL ?? 'silent',
    ...(dialect === 'postgres' ? { MODELWATCH_DATABASE_URL: await freshPostgresDatabase() } : {}),
    ...overrides,
  });
}

/** Starts the real service in-process on a free port with a fresh store of the dialect. */
export async function startTestServer(
  dialect: SqlDialect = 'sqlite',
  overrides: Record<string, string> = {},
  parts: ContextOverrides = {},
): Promise<TestServer> {
  const config = await makeTestConfig(dialect, overrides);
  const running = await startServer(config, createLogger(config.logLevel), undefined, parts);
  const close = async () => {
    await running.close();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  };
  return {
    ...running,
    close,
    dataDir: config.dataDir,
    adminToken: TEST_ADMIN_TOKEN,
    request: (method, urlPath, options = {}) => requestJson(running.url, method, urlPath, options, TEST_ADMIN_TOKEN),
  };
}

export async function requestJson(
  baseUrl: string,
  method: string,
  urlPath: string,
  options: RequestOptions,
  defaultToken?: string,
): Promise<TestResponse> {
  const token = options.token === undefined ? defaultToken : options.token;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(urlPath, baseUrl), { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed, text };
}
