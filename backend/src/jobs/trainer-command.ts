import type { JobsConfig } from '../core/config.ts';
import { DomainError } from '../core/errors.ts';
import type { RetrainSettings } from './retrain-settings.ts';

/** The trainer command: server configuration, or the model's settings where the server allows it. */
export function trainerCommand(settings: Pick<RetrainSettings, 'command'>, config: Pick<JobsConfig, 'trainerCommand' | 'allowModelCommands'>): string[] {
  if (settings.command !== undefined) {
    if (!config.allowModelCommands) {
      throw new DomainError(
        'failed_precondition',
        'settings.retrain.command: per-model trainer commands are off on this server; set MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS=on to honour them, or remove the setting to use MODELWATCH_TRAINER_COMMAND',
      );
    }
    return Array.isArray(settings.command) ? settings.command : splitCommand(settings.command);
  }
  if (config.trainerCommand) return splitCommand(config.trainerCommand);
  throw new DomainError(
    'failed_precondition',
    'runner: "command" needs a trainer command; set MODELWATCH_TRAINER_COMMAND on the server (or settings.retrain.command with MODELWATCH_ALLOW_MODEL_TRAINER_COMMANDS=on)',
  );
}

/**
 * Splits a command line into argv without a shell: whitespace separates arguments, single
 * or double quotes group them, a backslash escapes the next character outside single quotes.
 */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in the trainer command`);
  if (started) args.push(current);
  return args;
}
