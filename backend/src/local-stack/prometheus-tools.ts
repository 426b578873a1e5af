import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Test support: where the shipped alerting configuration lives, and Debian's Prometheus
 * tools (apt-get install prometheus prometheus-alertmanager). Set
 * MODELWATCH_TEST_PROMETHEUS=skip to run the other tests on a machine without them.
 */

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const provisioningDir = path.join(repoRoot, 'provisioning');

export const tools = {
  prometheus: '/usr/bin/prometheus',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  promtool: '/usr/bin/promtool',
  amtool: '/usr/bin/amtool',
} as const;

const findOnPath = (name: string): string | undefined =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, name))
    .find((candidate) => fs.existsSync(candidate));

/** The tool's path, looked up on PATH when the Debian path is absent. */
export function tool(name: keyof typeof tools): string | undefined {
  return fs.existsSync(tools[name]) ? tools[name] : findOnPath(path.basename(tools[name]));
}

/** Why the Prometheus-based tests cannot run here, or undefined when they can. */
export function prometheusToolsMissing(): string | undefined {
  if (process.env.MODELWATCH_TEST_PROMETHEUS === 'skip') return 'MODELWATCH_TEST_PROMETHEUS=skip';
  const missing = (Object.keys(tools) as Array<keyof typeof tools>).filter((name) => !tool(name));
  if (!missing.length) return undefined;
  throw new Error(
    `${missing.join(', ')} not found. Install Debian's prometheus and prometheus-alertmanager ` +
      '(apt-get install -y --no-install-recommends prometheus prometheus-alertmanager), ' +
      'or set MODELWATCH_TEST_PROMETHEUS=skip to skip the alerting configuration tests.',
  );
}

export interface ToolRun {
  status: number | null;
  output: string;
}

export function runTool(name: keyof typeof tools, args: string[], cwd = provisioningDir): ToolRun {
  const result = spawnSync(tool(name)!, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}
