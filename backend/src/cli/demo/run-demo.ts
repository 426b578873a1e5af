import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compressDuration, startAlertingStack, type AlertingStack } from '../../local-stack/alerting-stack.ts';
import { ApiClient } from '../api-client.ts';
import { compressedClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer } from '../../compose/server.ts';
import { DEMO_ONCALL, startPeopleInbox, type PeopleInbox } from './people-inbox.ts';
import { renderReport } from './report.ts';
import { MIN_CTR_DROP, MIN_RECOVERED, runDemoScenario } from './demo-scenario.ts';
import { runStory, type StoryResult } from './story.ts';
import { TerminalView } from './terminal-view.ts';

export interface DemoOptions {
  /** Simulated minutes per real second (--with-prometheus). */
  speed: number;
  usersPerMinute: number;
  dataDir: string;
  port: number;
  keepRunning: boolean;
  seed: number;
  /** Run on a compressed wall clock behind Debian's Prometheus and Alertmanager instead of the scenario engine. */
  withPrometheus: boolean;
}

/**
 * Plays both acts and writes the report. By default the demo is one scenario of the engine
 * (scenarios/engine.ts: virtual time, as fast as the CPU allows, the same seed the same run);
 * `--with-prometheus` runs the service on a compressed wall clock behind real Prometheus and
 * Alertmanager instead.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  return options.withPrometheus ? runWithPrometheus(options) : runOnEngine(options);
}

async function runOnEngine(options: DemoOptions): Promise<number> {
  const out = process.stdout;
  const wallStart = performance.now();
  out.write(`ModelWatch demo (seed ${options.seed}): the service runs in-process on virtual time (data in ${options.dataDir})\n`);
  const view = new TerminalView();
  // The scenario's service starts empty every time: the same seed repeats the same run.
  const serviceDir = path.join(options.dataDir, 'service');
  fs.rmSync(serviceDir, { recursive: true, force: true });
  const outcome = await runDemoScenario(
    { seed: options.seed, visitsPerMinute: options.usersPerMinute, driftAtMinute: 20, actTimeoutMinutes: 120, dataDir: serviceDir },
    view,
  );
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  out.write(`\nThe true CTR fell by ${pct(outcome.ctr.drop)} after the drift (act 1 needs ≥ ${MIN_CTR_DROP * 100}%); the promoted retrain won back ${pct(outcome.ctr.recovered)} of the loss (needs ≥ ${MIN_RECOVERED * 100}%)\n`);
  return finish(options, view, outcome, `virtual time; ${outcome.result.minutesRun} simulated minutes in ${((performance.now() - wallStart) / 1000).toFixed(1)} s`);
}

function finish(options: DemoOptions, view: TerminalView, result: Pick<StoryResult, 'timeline' | 'summary' | 'act1' | 'act2'>, clockNote: string): number {
  const out = process.stdout;
  const reportFile = path.join(options.dataDir, 'report.html');
  fs.writeFileSync(
    reportFile,
    renderReport({
      title: 'ModelWatch demo: drift → alert → retrain → canary → promotion, then a rollback',
      samples: result.timeline.samples,
      events: result.timeline.events,
      summary: result.summary,
      generatedAt: new Date().toISOString(),
      clockNote,
    }),
  );
  out.write(`\n${view.summary(result.summary)}\n\n`);
  out.write(`act 1 (drift → retrain → promotion): ${result.act1.ok ? `done, ${result.act1.promoted} promoted` : 'NOT completed'}\n`);
  out.write(`act 2 (bad canary → rollback): ${result.act2.ok ? 'done, rolled back' : 'NOT completed'}\n`);
  out.write(`report: ${reportFile} (${clockNote})\n`);
  return result.act1.ok && result.act2.ok ? 0 : 1;
}

/** The service on a compressed clock behind Debian's Prometheus and Alertmanager. */
async function runWithPrometheus(options: DemoOptions): Promise<number> {
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
  const view = new TerminalView();
  let exitCode: number;
  let stack: AlertingStack | undefined;
  let inbox: PeopleInbox | undefined;
  try {
    {
      // The shipped rules and routes, with `for:` compressed like the clock (30m → 30s at 1 min/s);
      // Alertmanager sends with the dedicated webhook credential, which may roll back (docs/security.md).
      const { token } = await api.request<{ token: string }>('POST', '/api/v1/tokens', { json: { name: 'alertmanager', role: 'webhook' } });
      const tokenFile = path.join(options.dataDir, 'alertmanager-token');
      fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const dir = fs.mkdtempSync(path.join(options.dataDir, 'alerting-'));
      // Alerts reach people too: a real SMTP server and a chat sink on the shipped routes.
      inbox = await startPeopleInbox(dir, 'http://localhost:3000');
      stack = await startAlertingStack({
        people: inbox.people,
        backendHost: new URL(server.url).host,
        webhookUrl: `${server.url}/api/v1/webhooks/alertmanager`,
        tokenFile,
        dir,
        forDuration: (shipped) => compressDuration(shipped, speedFactor),
      });
      out.write(`alerts go through Prometheus ${stack.prometheusUrl} and Alertmanager ${stack.alertmanagerUrl}; mail to ${DEMO_ONCALL} and the chat sink\n`);
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
        ...(inbox && { notifications: inbox.arrivals }),
      },
      view,
    );
    exitCode = finish(options, view, result, `compressed clock, ${options.speed} simulated minute(s) per second`);
    if (options.keepRunning) {
      out.write(`service keeps running at ${server.url} (admin token in the MODELWATCH_ADMIN_TOKEN of this process: ${path.join(options.dataDir, 'admin-token')}); Ctrl-C stops it\n`);
      fs.writeFileSync(path.join(options.dataDir, 'admin-token'), `${adminToken}\n`, { mode: 0o600 });
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stack?.stop();
    await inbox?.stop();
    await server.close();
  }
  return exitCode;
}
