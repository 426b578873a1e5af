import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action, ApiClient, print, printJson, withClientOptions, type ClientOptions } from './api-client.ts';

interface RegisterOptions extends ClientOptions {
  file: string;
  version?: string;
  metrics?: string;
  reference?: string;
  parent?: string;
  jobId?: string;
  description?: string;
  challenger?: boolean;
}

const readJson = (file: string, what: string): unknown => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${what}: cannot read JSON from ${file}: ${(error as Error).message}`, { cause: error });
  }
};

/** `modelwatch versions list|register` against a running service. */
export function registerVersionCommands(program: Command): void {
  const versions = program.command('versions').description('model versions on a running service (--url, --token)');
  withClientOptions(versions.command('list').description('list versions of a model, newest first').argument('<model>')).action(
    action(async (model: string, options: ClientOptions) => {
      const client = new ApiClient(options);
      const { versions: list } = await client.request('GET', `/api/v1/models/${encodeURIComponent(model)}/versions`);
      if (options.json) return printJson(list);
      for (const v of list as Array<{ version: string; createdAt: string; aliases: string[]; validation: { status: string }; serving: { status: string }; artifact: { sha256: string } }>) {
        print(`${v.version}\t${v.createdAt}\t${v.aliases.join(',') || '-'}\tvalidation=${v.validation.status}\tserving=${v.serving.status}\t${v.artifact.sha256.slice(0, 12)}`);
      }
    }),
  );
  withClientOptions(
    versions
      .command('register')
      .description('upload an ONNX file as a new version (checked and warmed by the service)')
      .argument('<model>')
      .requiredOption('--file <model.onnx>', 'the ONNX artifact')
      .option('--version <name>', 'version name (default: the next v<N>)')
      .option('--metrics <json|file>', 'metrics as JSON, or a JSON file')
      .option('--reference <file>', 'JSON file: {"rows": [...]} or {"profile": {...}} (reference profile)')
      .option('--parent <version>', 'lineage: the version this one was trained from')
      .option('--job-id <id>', 'lineage: the training job')
      .option('--description <text>', 'what changed')
      .option('--challenger', 'make it the challenger'),
  ).action(
    action(async (model: string, options: RegisterOptions) => {
      const meta: Record<string, unknown> = {};
      if (options.version) meta.version = options.version;
      if (options.metrics) meta.metrics = fs.existsSync(options.metrics) ? readJson(options.metrics, '--metrics') : JSON.parse(options.metrics);
      if (options.reference) meta.reference = readJson(options.reference, '--reference');
      if (options.parent || options.jobId) meta.lineage = { ...(options.parent ? { parentVersion: options.parent } : {}), ...(options.jobId ? { jobId: options.jobId } : {}) };
      if (options.description) meta.description = options.description;
      if (options.challenger) meta.alias = 'challenger';
      const form = new FormData();
      form.append('artifact', new Blob([new Uint8Array(fs.readFileSync(options.file))]), path.basename(options.file));
      form.append('meta', JSON.stringify(meta));
      const registered = await new ApiClient(options).request('POST', `/api/v1/models/${encodeURIComponent(model)}/versions`, { form });
      if (options.json) return printJson(registered);
      print(`registered ${model} ${registered.version} (sha256 ${registered.artifact.sha256.slice(0, 12)}, ${registered.inputSchema.kind} input, serving: ${registered.serving.status})`);
      for (const warning of (registered.warnings as string[] | undefined) ?? []) process.stderr.write(`warning: ${warning}\n`);
    }),
  );
}
