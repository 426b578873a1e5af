import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '../auth/roles.ts';
import type { VirtualClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createSteppedContext, type ServiceLoops } from '../compose/server.ts';
import type { AppContext } from '../http/app-context.ts';
import { createRng } from '../core/random.ts';
import type { RunOptions } from './engine-api.ts';
import type { WorldFaults } from './faults.ts';

export interface SteppedService {
  ctx: AppContext;
  loops: ServiceLoops;
  /** The person operating the service (an admin credential). */
  admin: Actor;
  /** The secret of the `webhook` token Alertmanager sends with. */
  webhookToken: string;
  close(): Promise<void>;
}

/**
 * The real service, built by the composition root without timers, on the engine's clock. Its
 * configuration comes from the scenario only (never the caller's MODELWATCH_* environment, which
 * would make one machine's run differ from another's); caches are off so every read sees the
 * current virtual minute.
 */
function tmpfs(): string | undefined {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}

export async function startSteppedService(options: RunOptions, clock: VirtualClock, faults: WorldFaults, seed: number): Promise<SteppedService> {
  const temporary = options.dataDir === undefined;
  // A temporary store goes to tmpfs where there is one: the SQLite writes then cost CPU only.
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(tmpfs() ?? os.tmpdir(), 'modelwatch-scenario-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    MODELWATCH_DATA_DIR: dataDir,
    MODELWATCH_ADMIN_TOKEN: `mw_scenario_${randomBytes(16).toString('hex')}`,
    MODELWATCH_LOG_LEVEL: options.logLevel ?? 'warn',
    MODELWATCH_METRICS_CACHE_MS: '0',
    MODELWATCH_RESULTS_CACHE_MS: '0',
    MODELWATCH_GPUS: 'none',
    ...(options.databaseUrl ? { MODELWATCH_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const salts = createRng(seed * 104_729 + 3);
  const { ctx, loops } = await createSteppedContext(config, createLogger(config.logLevel), clock, {
    servedPredictions: (monitor) => faults.sink(monitor),
    experimentSalt: () => `scenario-${Math.floor(salts() * 2 ** 32).toString(16)}`,
  });
  const { token } = await ctx.tokens.create('alertmanager', 'webhook');
  let closed = false;
  return {
    ctx,
    loops,
    admin: { name: 'token:scenario-operator', role: 'admin' },
    webhookToken: token,
    async close() {
      if (closed) return;
      closed = true;
      for (const step of [...ctx.onClose].reverse()) await step();
      await ctx.store.close();
      if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
