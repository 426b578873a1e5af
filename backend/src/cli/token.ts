import type { Command } from 'commander';
import { TokenService } from '../auth/tokens.ts';
import { loadConfig } from '../core/config.ts';
import { migrateToLatest, openStore } from '../store/database.ts';

/** Token management straight on the store, for first setup and automation. */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create a token and print it once')
    .requiredOption('--role <role>', 'viewer, ingest, editor, admin or webhook (the alert credential)')
    .option('--name <name>', 'who or what uses it', 'cli')
    .option('--models <names>', 'ingest tokens: comma-separated models it may write to (default: any)')
    .option('--grafana', "a token for Grafana's proxy: its X-Grafana-User header names who acted")
    .action(async (options: { role: string; name: string; models?: string; grafana?: boolean }) => {
      const config = loadConfig();
      const store = await openStore(config);
      try {
        await migrateToLatest(store);
        const models = options.models?.split(',').map((m) => m.trim()).filter(Boolean);
        const { token: secret } = await new TokenService(store).create(options.name, options.role, {
          models,
          origin: options.grafana ? 'grafana' : undefined,
        });
        process.stdout.write(`${secret}\n`);
      } finally {
        await store.close();
      }
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async () => {
      const store = await openStore(loadConfig());
      try {
        await migrateToLatest(store);
        for (const info of await new TokenService(store).list()) {
          const scope = info.models ? `\tmodels ${info.models.join(',')}` : '';
          process.stdout.write(`${info.id}\t${info.role}\t${info.name}\t${info.createdAt}${scope}${info.revokedAt ? `\trevoked ${info.revokedAt}` : ''}\n`);
        }
      } finally {
        await store.close();
      }
    });
}
