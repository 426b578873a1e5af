import type { Command } from 'commander';
import { loadConfig } from '../core/config.ts';
import { startServer } from '../compose/server.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the ModelWatch service (configuration from MODELWATCH_* environment variables)')
    .option('-p, --port <port>', 'port to listen on (overrides MODELWATCH_PORT)')
    .option('--host <host>', 'address to bind (overrides MODELWATCH_HOST)')
    .option('--data-dir <dir>', 'data folder (overrides MODELWATCH_DATA_DIR)')
    .action(async (options: { port?: string; host?: string; dataDir?: string }) => {
      const config = loadConfig({
        ...process.env,
        ...(options.port ? { MODELWATCH_PORT: options.port } : {}),
        ...(options.host ? { MODELWATCH_HOST: options.host } : {}),
        ...(options.dataDir ? { MODELWATCH_DATA_DIR: options.dataDir } : {}),
      });
      const running = await startServer(config);
      const stop = async (signal: string) => {
        running.ctx.logger.info({ signal }, 'shutting down');
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
