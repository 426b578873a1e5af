#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../core/config.ts';
import { serviceVersion } from '../core/version.ts';
import { registerActionCommands } from './actions.ts';
import { registerDemoCommand } from './demo.ts';
import { registerModelCommands } from './models.ts';
import { registerServeCommand } from './serve.ts';
import { registerTokenCommands } from './token.ts';
import { registerVersionCommands } from './versions.ts';

const program = new Command()
  .name('modelwatch')
  .description('ModelWatch: keep production ML models healthy from inside Grafana')
  .version(serviceVersion)
  // Root options only before the subcommand, so `promote --version v2` is the command's own.
  .enablePositionalOptions();

registerServeCommand(program);
registerTokenCommands(program);
registerModelCommands(program);
registerVersionCommands(program);
registerActionCommands(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`modelwatch: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`modelwatch: ${(error as Error).message}\n`);
  process.exit(1);
}
