import type { Command } from 'commander';
import { action, ApiClient, print, printJson, withClientOptions, type ClientOptions } from './api-client.ts';

interface ActionOptions extends ClientOptions {
  reason: string;
  idempotencyKey?: string;
}

const describe = (a: { type: string; status: string; model: string; fromVersion: string | null; toVersion: string | null; id: string }): string =>
  `${a.type} ${a.model}: ${a.fromVersion ?? '(none)'} → ${a.toVersion ?? '(none)'} ${a.status} (action ${a.id})`;

/** `modelwatch promote` and `modelwatch rollback`, for CI/CD pipelines. */
export function registerActionCommands(program: Command): void {
  withClientOptions(
    program
      .command('promote')
      .description('make a version the champion (default: the challenger), directly or as a canary ramp')
      .argument('<model>')
      .option('--version <name>', 'version to promote (default: the challenger)')
      .requiredOption('--reason <text>', 'why (goes to the audit log)')
      .option('--canary <steps>', 'canary ramp: traffic percentages, e.g. 10,50,100')
      .option('--step-seconds <n>', 'canary: seconds per step', Number)
      .option('--idempotency-key <key>', 'makes a retried command act once (e.g. the pipeline run id)'),
  ).action(
    action(async (model: string, options: ActionOptions & { version?: string; canary?: string; stepSeconds?: number }) => {
      const body: Record<string, unknown> = { reason: options.reason };
      if (options.version) body.version = options.version;
      if (options.canary) {
        body.strategy = 'canary';
        body.steps = options.canary.split(',').map(Number);
        if (options.stepSeconds !== undefined) body.stepSeconds = options.stepSeconds;
      }
      const headers = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined;
      const reply = await new ApiClient(options).request('POST', `/api/v1/models/${encodeURIComponent(model)}/actions/promote`, { json: body, ...(headers ? { headers } : {}) });
      if (options.json) return printJson(reply);
      print(describe(reply.action));
    }),
  );
  withClientOptions(
    program
      .command('rollback')
      .description('make the previous champion (or --to) serve again')
      .argument('<model>')
      .option('--to <version>', 'version to return to (default: the previous champion)')
      .requiredOption('--reason <text>', 'why (goes to the audit log)')
      .option('--idempotency-key <key>', 'makes a retried command act once'),
  ).action(
    action(async (model: string, options: ActionOptions & { to?: string }) => {
      const body: Record<string, unknown> = { reason: options.reason, ...(options.to ? { toVersion: options.to } : {}) };
      const headers = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined;
      const reply = await new ApiClient(options).request('POST', `/api/v1/models/${encodeURIComponent(model)}/actions/rollback`, { json: body, ...(headers ? { headers } : {}) });
      if (options.json) return printJson(reply);
      print(describe(reply.action));
    }),
  );
}
