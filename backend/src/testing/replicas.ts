import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { startServer } from '../compose/server.ts';
import { freshPostgresDatabase } from './databases.ts';
import { requestJson, TEST_ADMIN_TOKEN, type TestServer } from './test-server.ts';

export interface Replicas {
  replicas: TestServer[];
  close(): Promise<void>;
}

/**
 * Starts `count` services on one fresh PostgreSQL database, each with a data folder of its own:
 * what they share goes through the database (artifacts too: the default artifact storage on
 * PostgreSQL, or what `env` names).
 */
export async function startReplicas(count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const databaseUrl = await freshPostgresDatabase();
  const replicas: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-replicas-'));
    const config = loadConfig({
      MODELWATCH_PORT: '0',
      MODELWATCH_DATA_DIR: dataDir,
      MODELWATCH_DATABASE_URL: databaseUrl,
      MODELWATCH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MODELWATCH_LOG_LEVEL: 'silent',
      ...env,
    });
    const r = await startServer(config, createLogger('silent'));
    replicas.push({ ...r, dataDir, adminToken: TEST_ADMIN_TOKEN, request: (m, p, o = {}) => requestJson(r.url, m, p, o, TEST_ADMIN_TOKEN) });
  }
  return {
    replicas,
    async close() {
      for (const r of replicas) {
        await r.close();
        fs.rmSync(r.dataDir, { recursive: true, force: true });
      }
    },
  };
}
