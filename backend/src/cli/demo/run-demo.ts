import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compressDuration, startAlertingStack, type AlertingStack } from '../../local-stack/alerting-stack.ts';
import { ApiClient } from '../api-client.ts';
import { compressedClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer } from '../../compose/server.ts';
import { renderReport } from './report.ts';
import { loadRules } from './rule-evaluator.ts';
import { runStory } from './story.ts';
import { TerminalView } from './terminal-view.ts';

export interface DemoOptions {
  /** Simulated minutes per real second. */
  speed: number;
  usersPerMinute: number;
  dataDir: string;
  port: number;
  keepRunning: boolean;
  seed: number;
  /** Route alerts through Debian's Prometheus and Alertmanager instead of the in-process evaluator. */
  withPrometheus: boolean;
}

const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** Starts the real service on a compressed clock, plays both acts, and writes the report. */
export async function runDemo(options: DemoOptions): Promise<number> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const adminToken = `mw_demo_${randomBytes(16).toString('hex')}`;
  const speedFactor = options.speed * 60;
  // Monday 08:00 UTC of the current week-ish: a readable simulated morning.
  const simStart = Date.UTC(2026, 10, 23, 8, 0, 0);
  const clock = compressedClock(simStart, speedFactor);
  const config = loadConfig({
    ...process.env,
    MODELWATCH_PORT: String(options.port),
    MODELWATCH_DATA_DIR: options.dataDir,
    MODELWATCH_ADMIN_TOKEN: adminToken,
    MODELWATCH_LOG_LEVEL: process.env.MODELWATCH_LOG_LEVEL ?? 'warn',
    // Compressed time needs fresh metrics and quick automatic decisions.
    MODELWATCH_METRICS_CACHE_MS: process.env.MODELWATCH_METRICS_CACHE_MS ?? '200',
    MODELWATCH_AUTO_DECIDE_INTERVAL_MS: process.env.MODELWATCH_AUTO_DECIDE_INTERVAL_MS ?? '1000',
    MODELWATCH_RESULTS_CACHE_MS: process.env.MODELWATCH_RESULTS_CACHE_MS ?? '0',
  });
  const server = await startServer(config, createLogger(config.logLevel), clock);
  const out = process.stdout;
  out.write(`ModelWatch demo: service at ${server.url} (data in ${options.dataDir}), ${options.speed} simulated minute(s) per second\n`);
  const api = new ApiClient({ url: server.url, token: adminToken });
  const { rules, skipped } = loadRules(
    fs
      .readdirSync(path.join(repoRoot, 'provisioning/prometheus/rules'))
      .filter((f) => f.endsWith('.yml') && !f.endsWith('_test.yml'))
      .map((f) => path.join(repoRoot, 'provisioning/prometheus/rules', f)),
  );
  if (skipped.length) out.write(`in-process alert evaluator skips rules it cannot parse: ${skipped.join(', ')}\n`);
  const view = new TerminalView();
  let exitCode: number;
  let stack: AlertingStack | undefined;
  try {
    if (options.withPrometheus) {
      // The shipped rules and routes, with `for:` compressed like the clock (30m → 30s at 1 min/s);
      // Alertmanager sends with the dedicated webhook credential, which may roll back (docs/security.md).
      const { token } = await api.request<{ token: string }>('POST', '/api/v1/tokens', { json: { name: 'alertmanager', role: 'webhook' } });
      const tokenFile = path.join(options.dataDir, 'alertmanager-token');
      fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const dir = fs.mkdtempSync(path.join(options.dataDir, 'alerting-'));
      stack = await startAlertingStack({
        backendHost: new URL(server.url).host,
        webhookUrl: `${server.url}/api/v1/webhooks/alertmanager`,
        tokenFile,
        dir,
        forDuration: (shipped) => compressDuration(shipped, speedFactor),
      });
      out.write(`alerts go through Prometheus ${stack.prometheusUrl} and Alertmanager ${stack.alertmanagerUrl}\n`);
    }
    const result = await runStory(
      api,
      clock,
      {
        model: 'shop-ctr',
        usersPerMinute: options.usersPerMinute,
        candidates: 8,
        seed: options.seed,
        driftAtMinute: 20,
        actTimeoutMinutes: 120,
        tickMs: Math.max(50, Math.round(1000 / options.speed / 4)),
        inProcessAlerts: !options.withPrometheus,
        rules,
      },
      view,
    );
    const reportFile = path.join(options.dataDir, 'report.html');
    fs.writeFileSync(
      reportFile,
      renderReport({
        title: 'ModelWatch demo: drift → alert → retrain → canary → promotion, then a rollback',
        samples: result.timeline.samples,
        events: result.timeline.events,
        summary: result.summary,
        generatedAt: new Date().toISOString(),
      }),
    );
    out.write(`\n${view.summary(result.summary)}\n\n`);
    out.write(`act 1 (drift → retrain → promotion): ${result.act1.ok ? `done, ${result.act1.promoted} promoted` : 'NOT completed'}\n`);
    out.write(`act 2 (bad canary → rollback): ${result.act2.ok ? 'done, rolled back' : 'NOT completed'}\n`);
    out.write(`report: ${reportFile}\n`);
    exitCode = result.act1.ok && result.act2.ok ? 0 : 1;
    if (options.keepRunning) {
      out.write(`service keeps running at ${server.url} (admin token in the MODELWATCH_ADMIN_TOKEN of this process: ${path.join(options.dataDir, 'admin-token')}); Ctrl-C stops it\n`);
      fs.writeFileSync(path.join(options.dataDir, 'admin-token'), `${adminToken}\n`, { mode: 0o600 });
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stack?.stop();
    await server.close();
  }
  return exitCode;
}
