import fs from 'node:fs';
import type { Command } from 'commander';
import { action, ApiClient, print, printJson, withClientOptions, type ClientOptions } from './api-client.ts';

/** `modelwatch models list|create` against a running service. */
export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('models on a running service (--url, --token)');
  withClientOptions(models.command('list').description('list models')).action(
    action(async (options: ClientOptions) => {
      const { models: list } = await new ApiClient(options).request('GET', '/api/v1/models');
      if (options.json) return printJson(list);
      for (const m of list as Array<{ name: string; task: string; features: unknown[]; description: string | null }>) {
        print(`${m.name}\t${m.task}\t${m.features.length} features${m.description ? `\t${m.description}` : ''}`);
      }
    }),
  );
  withClientOptions(
    models
      .command('create')
      .description('create a model: --features price:numeric,category:categorical, or --file spec.json (the body of POST /api/v1/models)')
      .argument('[name]', 'model name')
      .option('--features <list>', 'name:type pairs, comma-separated (type: numeric or categorical)')
      .option('--description <text>', 'what the model does')
      .option('--file <spec.json>', 'the whole POST /api/v1/models body as JSON'),
  ).action(
    action(async (name: string | undefined, options: ClientOptions & { features?: string; description?: string; file?: string }) => {
      const spec: Record<string, unknown> = options.file ? JSON.parse(fs.readFileSync(options.file, 'utf8')) : {};
      if (name) spec.name = name;
      if (options.description) spec.description = options.description;
      if (options.features) {
        spec.features = options.features.split(',').map((pair) => {
          const [featureName, type = 'numeric'] = pair.trim().split(':');
          return { name: featureName, type };
        });
      }
      const created = await new ApiClient(options).request('POST', '/api/v1/models', { json: spec });
      if (options.json) return printJson(created);
      print(`created model ${created.name} (${created.features.length} features)`);
    }),
  );
}
