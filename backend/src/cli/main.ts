#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.ts';
import { serviceVersion } from '../version.ts';
import { registerServeCommand } from './serve.ts';
import { registerTokenCommands } from './token.ts';

const program = new Command()
  .name('modelwatch')
  .description('ModelWatch: keep production ML models healthy from inside Grafana')
  .version(serviceVersion);

registerServeCommand(program);
registerTokenCommands(program);

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

export { loadConfig };
