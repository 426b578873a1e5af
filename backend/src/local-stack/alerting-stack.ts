import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { provisioningDir, repoRoot, tool } from './prometheus-tools.ts';

/**
 * Debian's Prometheus and Alertmanager running the SHIPPED configuration
 * (provisioning/prometheus, provisioning/alertmanager), with only what a local run must change
 * rewritten: ports, the scrape target, the webhook URL, the secret files, the intervals and the
 * rules' `for` durations. People's receivers get their SMTP server, addresses and URLs from the
 * environment through provisioning/alertmanager/render-config.sh, as in a deployment. Used by
 * the alerting end-to-end tests and by `modelwatch demo --with-prometheus`.
 */
export interface AlertingStackOptions {
  /** host:port of the ModelWatch backend to scrape. */
  backendHost: string;
  /** Where Alertmanager delivers (the backend's /api/v1/webhooks/alertmanager, or a proxy). */
  webhookUrl: string;
  /** A file holding the bearer token Alertmanager sends (role editor or admin). */
  tokenFile: string;
  /** A scratch folder for the rewritten files and the daemons' storage. */
  dir: string;
  /** Each rule's `for` duration as it should run here (e.g. shortened for a test). */
  forDuration: (shipped: string) => string;
  /** Scrape and evaluation interval; default 1s. */
  interval?: string;
  /** Where mail and chat messages to people go; without, to a closed local port (Alertmanager logs the failures). */
  people?: PeopleNotifications;
}

/** People's receivers, set up the way docs/alerting.md ("Notifications to people") tells users to. */
export interface PeopleNotifications {
  /** The MODELWATCH_* variables render-config.sh fills in (SMTP server, addresses, public URLs). */
  env: Record<string, string>;
  /** The file holding the chat webhook URL (shipped: /run/secrets/modelwatch_chat_webhook_url). */
  chatUrlFile: string;
  /** The file holding the SMTP password (shipped: /run/secrets/modelwatch_smtp_password). */
  smtpPasswordFile: string;
  /** false for a local SMTP server without STARTTLS; the shipped configuration requires it. */
  smtpRequireTls: boolean;
  /** Replaces the shipped weekly maintenance window, so a test does not depend on the day: never, or all the time. */
  maintenance?: 'never' | 'always';
}

export interface AlertingStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The daemons' last output lines, for error messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  output: string[];
}

/** Replaces `from` (a regex that must match) in shipped text: a changed shipped file fails loudly. */
function rewrite(text: string, from: RegExp, to: string | ((...groups: string[]) => string), what: string): string {
  if (!from.test(text)) throw new Error(`the shipped configuration no longer has ${what}; update local-stack/alerting-stack.ts`);
  from.lastIndex = 0;
  return text.replace(from, to as never);
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, logs?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}${logs ? `\n${logs()}` : ''}`);
}

export function startDaemon(name: string, bin: string, args: string[]): Daemon {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, child, output };
}

export async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => daemon.child.once('exit', () => resolve()));
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startAlertingStack(o: AlertingStackOptions): Promise<AlertingStack> {
  const prometheusBin = tool('prometheus');
  const alertmanagerBin = tool('alertmanager');
  if (!prometheusBin || !alertmanagerBin) {
    throw new Error('Prometheus and Alertmanager are not installed: apt-get install -y prometheus prometheus-alertmanager');
  }
  const interval = o.interval ?? '1s';
  const [promPort, amPort] = [await freePort(), await freePort()];

  const amConfig = writeAlertmanagerConfig(o);

  fs.mkdirSync(path.join(o.dir, 'rules'), { recursive: true });
  const rulesDir = path.join(provisioningDir, 'prometheus/rules');
  for (const file of fs.readdirSync(rulesDir)) {
    const text = fs.readFileSync(path.join(rulesDir, file), 'utf8');
    fs.writeFileSync(path.join(o.dir, 'rules', file), rewrite(text, /^(\s+)for: (\S+)$/gm, (_m, indent: string, shipped: string) => `${indent}for: ${o.forDuration(shipped)}`, '`for` durations'));
  }
  let prom = fs.readFileSync(path.join(provisioningDir, 'prometheus/prometheus.yml'), 'utf8');
  prom = rewrite(prom, /scrape_interval: \S+/, `scrape_interval: ${interval}`, 'scrape_interval');
  prom = rewrite(prom, /evaluation_interval: \S+/, `evaluation_interval: ${interval}`, 'evaluation_interval');
  prom = rewrite(prom, /'alertmanager:9093'/, `'127.0.0.1:${amPort}'`, 'the Alertmanager target');
  prom = rewrite(prom, /'backend:8080'/, `'${o.backendHost}'`, 'the backend target');
  fs.writeFileSync(path.join(o.dir, 'prometheus.yml'), prom);

  const daemons = [
    startDaemon('alertmanager', alertmanagerBin, [
      `--config.file=${amConfig}`,
      `--storage.path=${path.join(o.dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]),
    startDaemon('prometheus', prometheusBin, [
      `--config.file=${path.join(o.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(o.dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]),
  ];
  const stack: AlertingStack = {
    prometheusUrl: `http://127.0.0.1:${promPort}`,
    alertmanagerUrl: `http://127.0.0.1:${amPort}`,
    logs: () => daemons.map((d) => `--- ${d.name} (last lines)\n${d.output.join('').split('\n').slice(-25).join('\n')}`).join('\n'),
    stop: async () => {
      for (const daemon of [...daemons].reverse()) await stopDaemon(daemon);
    },
  };
  try {
    await waitFor('Alertmanager ready', 20_000, async () => (await fetch(`${stack.alertmanagerUrl}/-/ready`)).ok, stack.logs);
    await waitFor('Prometheus ready', 20_000, async () => (await fetch(`${stack.prometheusUrl}/-/ready`)).ok, stack.logs);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

const maintenanceWindows = {
  never: "      - years: ['1970']\n",
  always: "      - weekdays: ['sunday:saturday']\n",
};

/** Without `people`: nowhere (a closed port), and runbook links to this checkout's docs. */
function discardPeople(dir: string): PeopleNotifications {
  const chatUrlFile = path.join(dir, 'chat-webhook-url');
  fs.writeFileSync(chatUrlFile, 'http://127.0.0.1:9/\n');
  return {
    env: {
      MODELWATCH_SMTP_HOST: '127.0.0.1',
      MODELWATCH_SMTP_PORT: '9',
      MODELWATCH_SMTP_USERNAME: '',
      MODELWATCH_ALERT_EMAIL_FROM: 'modelwatch@localhost',
      MODELWATCH_ALERT_EMAIL_TO: 'nobody@localhost',
      MODELWATCH_GRAFANA_URL: 'http://localhost:3000',
      MODELWATCH_RUNBOOK_BASE_URL: `file://${repoRoot}`,
    },
    chatUrlFile,
    smtpPasswordFile: path.join(dir, 'no-smtp-password'),
    smtpRequireTls: false,
  };
}

/** The shipped Alertmanager configuration with the local rewrites, rendered by the shipped render-config.sh. */
function writeAlertmanagerConfig(o: AlertingStackOptions): string {
  const people = o.people ?? discardPeople(o.dir);
  const shipped = path.join(provisioningDir, 'alertmanager');
  let am = fs.readFileSync(path.join(shipped, 'alertmanager.yml'), 'utf8');
  am = rewrite(am, /url: http:\/\/backend:8080\/api\/v1\/webhooks\/alertmanager/, `url: ${o.webhookUrl}`, 'the webhook URL');
  am = rewrite(am, /credentials_file: \S+/, `credentials_file: ${o.tokenFile}`, 'the token file');
  am = rewrite(am, /group_wait: \S+/, 'group_wait: 1s', 'group_wait');
  am = rewrite(am, /group_interval: \S+/, 'group_interval: 1s', 'group_interval');
  am = rewrite(am, /api_url_file: \S+/, `api_url_file: ${people.chatUrlFile}`, 'the chat webhook URL file');
  am = rewrite(am, /smtp_auth_password_file: \S+/, `smtp_auth_password_file: ${people.smtpPasswordFile}`, 'the SMTP password file');
  am = rewrite(am, /smtp_require_tls: true/, `smtp_require_tls: ${people.smtpRequireTls}`, 'smtp_require_tls');
  if (people.maintenance) {
    am = rewrite(am, /(- name: modelwatch-maintenance\n\s+time_intervals:\n)(?: {6,}.*\n)+/, `$1${maintenanceWindows[people.maintenance]}`, 'the maintenance window');
  }
  const source = path.join(o.dir, 'alertmanager-shipped');
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(path.join(source, 'alertmanager.yml'), am);
  fs.cpSync(path.join(shipped, 'templates'), path.join(source, 'templates'), { recursive: true });
  const rendered = path.join(o.dir, 'alertmanager');
  const run = spawnSync('sh', [path.join(shipped, 'render-config.sh'), source, rendered], { env: { PATH: process.env.PATH, ...people.env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`render-config.sh failed: ${run.stderr}${run.error ? String(run.error) : ''}`);
  return path.join(rendered, 'alertmanager.yml');
}

/** `30m` → the duration `factor` times shorter, in whole seconds (at least 1 s). */
export function compressDuration(shipped: string, factor: number): string {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  let seconds = 0;
  for (const m of shipped.matchAll(/(\d+)([smhd])/g)) seconds += Number(m[1]) * unit[m[2]!]!;
  return `${Math.max(1, Math.round(seconds / factor))}s`;
}
