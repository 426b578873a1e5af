import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppContext } from './app-context.ts';
import { AlertService } from './alerts/alert-service.ts';
import { contextActionPerformer } from './alerts/context-performer.ts';
import { AuditLog } from './audit/audit.ts';
import { bootstrapAdminToken } from './auth/bootstrap.ts';
import { TokenService } from './auth/tokens.ts';
import type { Config } from './config/config.ts';
import { createApp } from './http/app.ts';
import { allRoutes } from './http/routes/index.ts';
import { createLogger } from './logger.ts';
import { createServiceMetrics } from './metrics/registry.ts';
import { ModelService } from './registry/models.ts';
import { migrateToLatest, openStore } from './store/database.ts';

/** Opens the store, migrates it and builds every service. */
export async function createContext(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<AppContext> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const applied = await migrateToLatest(store);
  if (applied.length) logger.info({ migrations: applied, dialect: store.dialect }, 'store migrated');
  const audit = new AuditLog(store);
  const tokens = new TokenService(store);
  await bootstrapAdminToken(tokens, config, logger);
  const metrics = createServiceMetrics();
  const ctx: AppContext = {
    config,
    logger,
    store,
    metrics,
    tokens,
    audit,
    models: new ModelService(store, audit),
    alerts: new AlertService({ store, audit, logger, registry: metrics.registry, performer: contextActionPerformer(() => ctx) }),
    onClose: [],
  };
  return ctx;
}

export interface RunningServer {
  ctx: AppContext;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger?: Logger): Promise<RunningServer> {
  const ctx = await createContext(config, logger);
  const app = createApp(ctx, allRoutes(ctx));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  ctx.logger.info({ url, dialect: ctx.store.dialect, dataDir: config.dataDir }, 'ModelWatch listening');
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const step of [...ctx.onClose].reverse()) await step();
      await ctx.store.close();
    })());
  return { ctx, server, url, close };
}
