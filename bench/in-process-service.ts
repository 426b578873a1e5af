/**
 * The real service built in-process (compose/server.ts createContext) on a throw-away data
 * folder, for the benchmarks that call the domain directly; `close()` stops it and removes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../backend/src/core/clock.ts';
import { loadConfig } from '../backend/src/core/config.ts';
import { createLogger } from '../backend/src/core/logger.ts';
import { createContext } from '../backend/src/compose/server.ts';
import type { AppContext } from '../backend/src/http/app-context.ts';

export async function inProcessService(
  name: string,
  options: { postgres?: string | undefined; clock?: Clock } = {},
): Promise<{ ctx: AppContext; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mw-bench-${name}-`));
  const config = loadConfig({
    MODELWATCH_PORT: '0',
    MODELWATCH_DATA_DIR: dataDir,
    MODELWATCH_ADMIN_TOKEN: 'mw_bench_admin_token_0123456789',
    MODELWATCH_LOG_LEVEL: 'silent',
    ...(options.postgres ? { MODELWATCH_DATABASE_URL: options.postgres } : {}),
  });
  const ctx = await createContext(config, createLogger('silent'), options.clock);
  return {
    ctx,
    async close() {
      for (const step of [...ctx.onClose].reverse()) await step();
      await ctx.store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
